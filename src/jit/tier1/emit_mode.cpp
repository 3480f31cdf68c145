#include "jit/tier1/emit_mode.h"

#include <cstdio>
#include <cstdlib>

namespace som::tier1 {

using namespace asmjit;
using namespace asmjit::x86;

// Scratch registers: caller-saved, none of them holds tier-1 state (rbx, r12-r14).
// Scratch registers: none of them holds tier-1 state (rbx, r12-r14); r15 is saved by the
// tier-1 prologue and otherwise unused.
static const Gp kScratch[] = {rax, rcx, rdx, rsi, rdi, r8, r9, r10, r11, r15};

EmitMode::V EmitMode::fresh() {
  if (next_ >= int(sizeof kScratch / sizeof kScratch[0])) {
    std::fprintf(stderr, "tier1: a fast path needs more scratch registers than there are\n");
    std::abort();
  }
  return V{kScratch[next_++]};
}

Gp EmitMode::inRegister(V v) {
  if (!v.isImmediate) return v.reg;
  V r = fresh();
  a_.mov(r.reg, int64_t(v.imm));
  return r.reg;
}

EmitMode::V EmitMode::peek(int n) {
  V v = fresh();
  a_.mov(v.reg, qword_ptr(sp_, -8 * (n + 1)));
  return v;
}

void EmitMode::drop(int n) { a_.sub(sp_, 8 * n); }

void EmitMode::push(V v) {
  if (v.isPendingBoolean) {
    const Cond& c = pending_.back();
    compare(c);
    switch (c.kind) {
      case Cond::Equal: a_.je(whenTrue_); break;
      case Cond::Less: a_.jl(whenTrue_); break;
      case Cond::LessEqual: a_.jle(whenTrue_); break;
      case Cond::Below: a_.jb(whenTrue_); break;
      case Cond::Checked: break;
    }
    a_.jmp(whenFalse_);
    return;
  }
  a_.mov(qword_ptr(sp_), inRegister(v));
  a_.add(sp_, 8);
}

EmitMode::V EmitMode::konst(uint64_t raw) {
  if (int64_t(raw) == int64_t(int32_t(raw))) return V{Gp(), true, int32_t(raw)};
  V v = fresh();
  a_.mov(v.reg, raw);
  return v;
}

// v = x op y, with y a register or an immediate.
template <class Op>
EmitMode::V EmitMode::binaryOp(V x, V y, Op op) {
  Gp source = inRegister(x);
  V v = fresh();
  a_.mov(v.reg, source);
  if (y.isImmediate) op(v.reg, Imm(y.imm));
  else op(v.reg, y.reg);
  return v;
}

EmitMode::V EmitMode::bitAnd(V x, V y) {
  return binaryOp(x, y, [&](const Gp& d, const auto& s) { a_.and_(d, s); });
}
EmitMode::V EmitMode::bitOr(V x, V y) {
  return binaryOp(x, y, [&](const Gp& d, const auto& s) { a_.or_(d, s); });
}
EmitMode::V EmitMode::sub(V x, V y) {
  return binaryOp(x, y, [&](const Gp& d, const auto& s) { a_.sub(d, s); });
}

EmitMode::V EmitMode::shiftRightArith(V x, int n) {
  V v = fresh();
  a_.mov(v.reg, x.reg);
  a_.sar(v.reg, n);
  return v;
}

EmitMode::Cond EmitMode::all(Cond x, Cond y) {
  x.also.push_back(std::move(y));
  return x;
}

// Overflow is checked right away, while the flags are those of the operation.
EmitMode::Cond EmitMode::checked(V result, V& out) {
  out = result;
  a_.jo(slow_);
  return {Cond::Checked, {}, {}, {}};
}
EmitMode::Cond EmitMode::addNoOverflow(V x, V y, V& out) {
  return checked(binaryOp(x, y, [&](const Gp& d, const auto& s) { a_.add(d, s); }), out);
}
EmitMode::Cond EmitMode::subNoOverflow(V x, V y, V& out) {
  return checked(binaryOp(x, y, [&](const Gp& d, const auto& s) { a_.sub(d, s); }), out);
}
EmitMode::Cond EmitMode::mulNoOverflow(V x, V y, V& out) {
  return checked(binaryOp(x, y, [&](const Gp& d, const auto& s) { a_.imul(d, s); }), out);
}

void EmitMode::compare(const Cond& c) {
  if (c.a.isImmediate) {
    std::fprintf(stderr, "tier1: comparison with a constant on the left\n");
    std::abort();
  }
  if (c.b.isImmediate) a_.cmp(c.a.reg, Imm(c.b.imm));
  else a_.cmp(c.a.reg, c.b.reg);
}

bool EmitMode::guard(const Cond& c) {
  if (c.kind != Cond::Checked) {
    compare(c);
    switch (c.kind) {
      case Cond::Equal: a_.jne(slow_); break;
      case Cond::Less: a_.jge(slow_); break;
      case Cond::LessEqual: a_.jg(slow_); break;
      case Cond::Below: a_.jae(slow_); break;
      case Cond::Checked: break;
    }
  }
  for (auto& more : c.also) guard(more);
  return true;
}

EmitMode::V EmitMode::select(Cond c, V x, V y) {
  if (!c.also.empty() || c.kind == Cond::Checked) {
    std::fprintf(stderr, "tier1: select on a compound condition\n");
    std::abort();
  }
  if (fused_) {  // compared and branched on in push()
    pending_.push_back(c);
    V pending;
    pending.isPendingBoolean = true;
    return pending;
  }
  Gp whenTrue = inRegister(x);
  V v = fresh();
  a_.mov(v.reg, inRegister(y));
  compare(c);
  switch (c.kind) {
    case Cond::Equal: a_.cmove(v.reg, whenTrue); break;
    case Cond::Less: a_.cmovl(v.reg, whenTrue); break;
    case Cond::LessEqual: a_.cmovle(v.reg, whenTrue); break;
    case Cond::Below: a_.cmovb(v.reg, whenTrue); break;
    case Cond::Checked: break;
  }
  return v;
}

EmitMode::V EmitMode::load(V base, int32_t offset) {
  V v = fresh();
  a_.mov(v.reg, qword_ptr(base.reg, offset));
  return v;
}

EmitMode::V EmitMode::loadByte(V base, int32_t offset) {
  V v = fresh();
  a_.movzx(v.reg.r32(), byte_ptr(base.reg, offset));
  return v;
}

EmitMode::V EmitMode::loadIndexed(V base, V index, int32_t offset) {
  V v = fresh();
  a_.mov(v.reg, qword_ptr(base.reg, index.reg, 3, offset));
  return v;
}

void EmitMode::storeIndexed(V base, V index, int32_t offset, V value) {
  a_.mov(qword_ptr(base.reg, index.reg, 3, offset), inRegister(value));
}

// A call to the definition's out-of-line part (Double arithmetic, which may box). Every
// scratch register is clobbered; only the result is used afterwards.
EmitMode::V EmitMode::call(Value (*fn)(Value, Value), V x, V y) {
  a_.mov(r11, inRegister(y));
  a_.mov(rdi, inRegister(x));
  a_.mov(rsi, r11);
  a_.mov(rax, reinterpret_cast<uint64_t>(fn));
  a_.call(rax);
  return V{rax};
}

}  // namespace som::tier1
