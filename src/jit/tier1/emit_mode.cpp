#include "jit/tier1/emit_mode.h"

#include "jit/backend/double_encoding.h"

#include <cstdio>
#include <cstdlib>

namespace som::tier1 {

using namespace asmjit;
using namespace asmjit::x86;

// Scratch registers: none of them holds tier-1 state (r12-r15); rbx is saved by the
// tier-1 prologue and otherwise unused.
static const Gp kScratch[] = {rax, rcx, rdx, rsi, rdi, r8, r9, r10, r11, rbx};

EmitMode::V EmitMode::fresh() {
  if (next_ >= int(sizeof kScratch / sizeof kScratch[0])) {
    std::fprintf(stderr, "tier1: a fast path needs more scratch registers than there are\n");
    std::abort();
  }
  return V{kScratch[next_++]};
}

// XMM registers are all caller-saved and tier-1 code keeps nothing in them.
EmitMode::F EmitMode::freshDouble() {
  if (nextDouble_ >= 16) {
    std::fprintf(stderr, "tier1: a fast path needs more XMM registers than there are\n");
    std::abort();
  }
  return F{xmm(uint32_t(nextDouble_++))};
}

Gp EmitMode::inRegister(V v) {
  if (!v.isImmediate) return v.reg;
  V r = fresh();
  a_.mov(r.reg, int64_t(v.imm));
  return r.reg;
}

EmitMode::V EmitMode::peek(int n) {
  V v = fresh();
  int deferred = int(deferred_.size());
  if (n < deferred) {
    const Deferred& d = deferred_[size_t(deferred - 1 - n)];
    if (d.isSlot) a_.mov(v.reg, qword_ptr(slots_, int32_t(8 * d.slot)));
    else a_.mov(v.reg, d.raw);
  } else {
    a_.mov(v.reg, qword_ptr(sp_, -8 * (n - deferred + 1)));
  }
  return v;
}

// Deferred operands are dropped first: they are the top of the stack.
void EmitMode::drop(int n) {
  while (n > 0 && !deferred_.empty()) {
    deferred_.pop_back();
    n--;
  }
  if (n) a_.sub(sp_, 8 * n);
}

void EmitMode::push(V v) {
  if (v.isPendingBoolean) {
    const Cond& c = pending_.back();
    compare(c);
    switch (c.kind) {
      case Cond::Equal: a_.je(whenTrue_); break;
      case Cond::Less: a_.jl(whenTrue_); break;
      case Cond::LessEqual: a_.jle(whenTrue_); break;
      case Cond::Below: a_.jb(whenTrue_); break;
      case Cond::FLess: a_.ja(whenTrue_); break;  // (operands swapped by compare())
      case Cond::FLessEqual: a_.jae(whenTrue_); break;
      case Cond::FEqual:
        a_.jp(whenFalse_);  // unordered
        a_.je(whenTrue_);
        break;
      case Cond::Checked: break;
    }
    a_.jmp(whenFalse_);
    return;
  }
  if (!deferred_.empty()) {
    std::fprintf(stderr, "tier1: a push above deferred operands\n");
    std::abort();
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

// Flags for the condition. Doubles are compared with ucomisd, which reports "unordered"
// like "less" (CF) plus PF: x < y is tested as y above x, so NaN is never less.
void EmitMode::compare(const Cond& c) {
  switch (c.kind) {
    case Cond::FLess:
    case Cond::FLessEqual:
      a_.ucomisd(c.fb.reg, c.fa.reg);
      return;
    case Cond::FEqual:
      a_.ucomisd(c.fa.reg, c.fb.reg);
      return;
    default:
      break;
  }
  if (c.a.isImmediate) {
    std::fprintf(stderr, "tier1: comparison with a constant on the left\n");
    std::abort();
  }
  if (c.b.isImmediate) a_.cmp(c.a.reg, Imm(c.b.imm));
  else a_.cmp(c.a.reg, c.b.reg);
}

void EmitMode::jumpUnless(const Cond& c, Label target) {
  if (c.kind != Cond::Checked) {
    compare(c);
    switch (c.kind) {
      case Cond::Equal: a_.jne(target); break;
      case Cond::Less: a_.jge(target); break;
      case Cond::LessEqual: a_.jg(target); break;
      case Cond::Below: a_.jae(target); break;
      case Cond::FLess: a_.jbe(target); break;
      case Cond::FLessEqual: a_.jb(target); break;
      case Cond::FEqual:
        a_.jne(target);
        a_.jp(target);
        break;
      case Cond::Checked: break;
    }
  }
  for (auto& more : c.also) jumpUnless(more, target);
}

bool EmitMode::guard(const Cond& c) {
  jumpUnless(c, slow_);
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
  Gp whenTrue = inRegister(x), whenFalse = inRegister(y);
  V v = fresh();
  a_.mov(v.reg, whenFalse);
  compare(c);
  switch (c.kind) {
    case Cond::Equal: a_.cmove(v.reg, whenTrue); break;
    case Cond::Less: a_.cmovl(v.reg, whenTrue); break;
    case Cond::LessEqual: a_.cmovle(v.reg, whenTrue); break;
    case Cond::Below: a_.cmovb(v.reg, whenTrue); break;
    case Cond::FLess: a_.cmova(v.reg, whenTrue); break;
    case Cond::FLessEqual: a_.cmovae(v.reg, whenTrue); break;
    case Cond::FEqual:
      a_.cmove(v.reg, whenTrue);
      a_.cmovp(v.reg, whenFalse);
      break;
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

// The immediate-Double encoding (jit/backend/double_encoding.h). Temporaries are released
// at the end, so a fast path's register use does not grow with them; boxing declines
// (+0.0 included) to the slow path.
EmitMode::F EmitMode::unboxDouble(V v) {
  int saved = next_;
  Gp source = inRegister(v), bits = fresh().reg, scratch = fresh().reg;
  jit::emitUnboxDouble(a_, bits, source, scratch);
  next_ = saved;
  F f = freshDouble();
  a_.movq(f.reg, bits);
  return f;
}

EmitMode::Cond EmitMode::boxDouble(F f, V& out) {
  V word = fresh();
  int saved = next_;
  Gp scratch = fresh().reg;
  a_.movq(word.reg, f.reg);
  jit::emitBoxDouble(a_, word.reg, scratch, slow_);
  next_ = saved;
  out = word;
  return {Cond::Checked, {}, {}, {}};
}

template <class Op>
EmitMode::F EmitMode::doubleOp(F x, F y, Op op) {
  F r = freshDouble();
  a_.movapd(r.reg, x.reg);
  op(r.reg, y.reg);
  return r;
}
EmitMode::F EmitMode::fadd(F x, F y) {
  return doubleOp(x, y, [&](const Xmm& d, const Xmm& s) { a_.addsd(d, s); });
}
EmitMode::F EmitMode::fsub(F x, F y) {
  return doubleOp(x, y, [&](const Xmm& d, const Xmm& s) { a_.subsd(d, s); });
}
EmitMode::F EmitMode::fmul(F x, F y) {
  return doubleOp(x, y, [&](const Xmm& d, const Xmm& s) { a_.mulsd(d, s); });
}

}  // namespace som::tier1
