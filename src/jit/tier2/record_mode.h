// The Record mode: the handlers' fast paths (interp/handlers.h, primitives/arith.h)
// instantiated so that running them both *computes* (on the real frame, like the
// interpreter) and *emits* trace IR. A word is a pair {value, IR reference}; a condition
// is a pair {truth, IR reference}; guard(c) emits a guard for the outcome observed.
// The recorder (recorder.cpp) is this instantiation plus the data-movement and
// control-flow bytecodes, which, as in tier 1, it handles itself.
#pragma once

#include <string>

#include "interp/interp_mode.h"
#include "jit/tier2/ir.h"

namespace som::tier2 {

class Recorder;

struct RecordMode {
  struct V {
    Value v;
    IrRef ref;
  };
  struct F {
    double v;
    IrRef ref;
  };
  // A condition; `also` is the second half of all(a, b). An overflow check (`checked`)
  // was emitted with its operation and has no reference.
  struct Cond {
    bool v;
    IrRef ref;
    bool checked = false;
    bool hasAlso = false;
    bool alsoV = true;
    IrRef alsoRef = kNoRef;
  };

  Recorder& r;
  Trace& t;

  // --- operand stack and sends (recorder.cpp) ---
  V peek(int n);
  void drop(int n);
  void push(V v);
  void send(unsigned lit, unsigned ic);
  // The operands are at hand: on Doubles the trace tests for Doubles only (guarding
  // that both are not SmallIntegers first would be three more instructions and a guard).
  bool expectsDoubles(unsigned) { return peek(0).v.isImmediateDouble() && peek(1).v.isImmediateDouble(); }
  bool guard(const Cond& c);
  int32_t snapshot();  // of the current bytecode boundary

  // --- words ---
  V konst(uint64_t raw) { return {Value::fromRaw(raw), t.konst(raw)}; }
  V bitAnd(V a, V b) { return {Value::fromRaw(a.v.raw() & b.v.raw()), t.emit(IrOp::BAND, a.ref, b.ref)}; }
  V bitOr(V a, V b) { return {Value::fromRaw(a.v.raw() | b.v.raw()), t.emit(IrOp::BOR, a.ref, b.ref)}; }
  V bitXor(V a, V b) { return {Value::fromRaw(a.v.raw() ^ b.v.raw()), t.emit(IrOp::BXOR, a.ref, b.ref)}; }
  V add(V a, V b) { return {Value::fromRaw(a.v.raw() + b.v.raw()), t.emit(IrOp::ADD, a.ref, b.ref)}; }
  V sub(V a, V b) { return {Value::fromRaw(a.v.raw() - b.v.raw()), t.emit(IrOp::SUB, a.ref, b.ref)}; }
  V divide(V a, V b) { return {arith::ConcreteOps::divide(a.v, b.v), t.emit(IrOp::DIV, a.ref, b.ref)}; }
  V remainder(V a, V b) { return {arith::ConcreteOps::remainder(a.v, b.v), t.emit(IrOp::REM, a.ref, b.ref)}; }
  V shiftRightArith(V a, int n) {
    return {Value::fromRaw(uint64_t(int64_t(a.v.raw()) >> n)), t.emit(IrOp::SAR, a.ref, kNoRef, kNoRef, n)};
  }
  Cond eq(V a, V b) { return {a.v.raw() == b.v.raw(), t.emit(IrOp::EQ, a.ref, b.ref)}; }
  Cond lt(V a, V b) { return {int64_t(a.v.raw()) < int64_t(b.v.raw()), t.emit(IrOp::LT, a.ref, b.ref)}; }
  Cond le(V a, V b) { return {int64_t(a.v.raw()) <= int64_t(b.v.raw()), t.emit(IrOp::LE, a.ref, b.ref)}; }
  Cond ltUnsigned(V a, V b) { return {a.v.raw() < b.v.raw(), t.emit(IrOp::ULT, a.ref, b.ref)}; }
  Cond all(Cond a, Cond b) {
    a.hasAlso = true;
    a.alsoV = b.v;
    a.alsoRef = b.ref;
    return a;
  }
  Cond addNoOverflow(V a, V b, V& out) { return overflowChecked(IrOp::ADDOV, a, b, out); }
  Cond subNoOverflow(V a, V b, V& out) { return overflowChecked(IrOp::SUBOV, a, b, out); }
  Cond mulNoOverflow(V a, V b, V& out) { return overflowChecked(IrOp::MULOV, a, b, out); }
  V select(Cond c, V x, V y) { return {c.v ? x.v : y.v, t.emit(IrOp::SELECT, c.ref, x.ref, y.ref)}; }
  V load(V base, int32_t offset) {
    return {arith::ConcreteOps::load(base.v, offset), t.emit(IrOp::LOAD, base.ref, kNoRef, kNoRef, offset)};
  }
  V loadFixed(V base, int32_t offset) {
    return {arith::ConcreteOps::load(base.v, offset), t.emit(IrOp::LOADF, base.ref, kNoRef, kNoRef, offset)};
  }
  V loadByte(V base, int32_t offset) {
    return {arith::ConcreteOps::loadByte(base.v, offset), t.emit(IrOp::LOADB, base.ref, kNoRef, kNoRef, offset)};
  }
  V loadIndexed(V base, V index, int32_t offset) {
    return {arith::ConcreteOps::loadIndexed(base.v, index.v, offset),
            t.emit(IrOp::LOADX, base.ref, index.ref, kNoRef, offset)};
  }
  void storeIndexed(V base, V index, int32_t offset, V value) {
    Interp::storeIndexed(base.v, index.v, offset, value.v);
    t.emit(IrOp::STOREX, base.ref, index.ref, value.ref, offset);
  }

  // --- doubles ---
  F unboxDouble(V v) { return {v.v.asImmediateDouble(), t.emit(IrOp::UNBOXD, v.ref)}; }
  Cond boxDouble(F f, V& out) {
    // As the code the backend emits: +0.0 declines too (jit/backend/double_encoding.h).
    if (f.v == 0.0 || !Value::fitsImmediateDouble(f.v)) return {false, kNoRef, true};
    out = {Value::fromImmediateDouble(f.v), t.emit(IrOp::BOXD, f.ref, kNoRef, kNoRef, 0, snapshot())};
    return {true, kNoRef, true};
  }
  F fadd(F a, F b) { return {a.v + b.v, t.emit(IrOp::FADD, a.ref, b.ref)}; }
  F fsub(F a, F b) { return {a.v - b.v, t.emit(IrOp::FSUB, a.ref, b.ref)}; }
  F fmul(F a, F b) { return {a.v * b.v, t.emit(IrOp::FMUL, a.ref, b.ref)}; }
  F fdiv(F a, F b) { return {a.v / b.v, t.emit(IrOp::FDIV, a.ref, b.ref)}; }
  F fsqrt(F a) { return {__builtin_sqrt(a.v), t.emit(IrOp::FSQRT, a.ref)}; }
  Cond flt(F a, F b) { return {a.v < b.v, t.emit(IrOp::FLT, a.ref, b.ref)}; }
  Cond fle(F a, F b) { return {a.v <= b.v, t.emit(IrOp::FLE, a.ref, b.ref)}; }
  Cond feq(F a, F b) { return {a.v == b.v, t.emit(IrOp::FEQ, a.ref, b.ref)}; }

 private:
  Cond overflowChecked(IrOp op, V a, V b, V& out) {
    int64_t x = int64_t(a.v.raw()), y = int64_t(b.v.raw()), z;
    bool overflow = op == IrOp::ADDOV   ? __builtin_add_overflow(x, y, &z)
                    : op == IrOp::SUBOV ? __builtin_sub_overflow(x, y, &z)
                                        : __builtin_mul_overflow(x, y, &z);
    if (overflow) {  // the full send follows (and ends recording)
      out = {Value::fromRaw(uint64_t(z)), t.konst(uint64_t(z))};
      return {false, kNoRef, true};
    }
    out = {Value::fromRaw(uint64_t(z)), t.emit(op, a.ref, b.ref, kNoRef, 0, snapshot())};
    return {true, kNoRef, true};
  }
};

}  // namespace som::tier2
