// Fast paths of the hot arithmetic, comparison and indexing primitives, written once.
//
// They are templates over a *mode* that supplies machine-level operations on words
// (below). The Integer/Double/Array primitives and the interpreter run them in the
// concrete mode (ConcreteOps: the operations are the C++ operators); tier 1 runs them in
// its emitting mode, where each operation emits an instruction and each condition becomes
// a branch to the full handler; the tier-2 recorder will run them in a recording mode.
// So `3 + 4` on SmallIntegers means the same thing in every tier because it is this code.
//
// Operations a mode M provides (M::V is a word, M::Cond a condition):
//   konst(raw)                        a constant word
//   bitAnd, bitOr, bitXor, add, sub   word arithmetic (wrapping)
//   shiftRightArith(a, n)
//   divide, remainder(a, b)           signed division truncated toward zero and its
//                                     remainder; only for b != 0, and never INT64_MIN / -1
//                                     (bitXor, add, divide, remainder: only the modes that
//                                     run the bitwise and division paths, not tier 1's)
//   eq, lt, le (signed), ltUnsigned   comparisons -> Cond
//   all(c1, c2)                       both conditions
//   addNoOverflow, subNoOverflow,     out = a op b; Cond: no signed overflow. Only ever used
//   mulNoOverflow(a, b, out)          directly as a guard.
//   select(c, x, y)                   c ? x : y
//   load(base, offset), loadIndexed(base, index, offset)
//   loadFixed(base, offset)           a word that never changes once its object exists (an
//                                     Array's length): a mode may share and hoist it
//   loadByte(base, offset)            a byte of an object's header that never changes (its
//                                     kind), zero-extended
// and on doubles (M::F, an IEEE binary64 value):
//   unboxDouble(v)                    the double an immediate-Double word stands for
//   boxDouble(f, out)                 out = the immediate Double for f; Cond: f has one
//                                     (a mode may decline more, e.g. +0.0; never fewer)
//   fadd, fsub, fmul, fdiv(x, y)      IEEE arithmetic (no fused multiply-add)
//   fsqrt(x)                          IEEE square root
//   flt, fle, feq(x, y)               IEEE comparisons (false when unordered) -> Cond
#pragma once

#include <cstddef>

#include "vm/numbers.h"
#include "vm/objects.h"
#include "vm/value.h"

#define SOM_ARITH_INLINE inline __attribute__((always_inline))

namespace som::arith {

// --- the concrete mode ------------------------------------------------------------------

struct ConcreteOps {
  using V = Value;
  using Cond = bool;
  static SOM_ARITH_INLINE V konst(uint64_t raw) { return Value::fromRaw(raw); }
  static SOM_ARITH_INLINE V bitAnd(V a, V b) { return Value::fromRaw(a.raw() & b.raw()); }
  static SOM_ARITH_INLINE V bitOr(V a, V b) { return Value::fromRaw(a.raw() | b.raw()); }
  static SOM_ARITH_INLINE V bitXor(V a, V b) { return Value::fromRaw(a.raw() ^ b.raw()); }
  static SOM_ARITH_INLINE V add(V a, V b) { return Value::fromRaw(a.raw() + b.raw()); }
  static SOM_ARITH_INLINE V sub(V a, V b) { return Value::fromRaw(a.raw() - b.raw()); }
  static SOM_ARITH_INLINE V divide(V a, V b) { return Value::fromRaw(uint64_t(int64_t(a.raw()) / int64_t(b.raw()))); }
  static SOM_ARITH_INLINE V remainder(V a, V b) { return Value::fromRaw(uint64_t(int64_t(a.raw()) % int64_t(b.raw()))); }
  static SOM_ARITH_INLINE V shiftRightArith(V a, int n) { return Value::fromRaw(uint64_t(int64_t(a.raw()) >> n)); }
  static SOM_ARITH_INLINE Cond eq(V a, V b) { return a.raw() == b.raw(); }
  static SOM_ARITH_INLINE Cond lt(V a, V b) { return int64_t(a.raw()) < int64_t(b.raw()); }
  static SOM_ARITH_INLINE Cond le(V a, V b) { return int64_t(a.raw()) <= int64_t(b.raw()); }
  static SOM_ARITH_INLINE Cond ltUnsigned(V a, V b) { return a.raw() < b.raw(); }
  static SOM_ARITH_INLINE Cond all(Cond a, Cond b) { return a && b; }
  static SOM_ARITH_INLINE Cond addNoOverflow(V a, V b, V& out) {
    int64_t r;
    bool overflow = __builtin_add_overflow(int64_t(a.raw()), int64_t(b.raw()), &r);
    out = Value::fromRaw(uint64_t(r));
    return !overflow;
  }
  static SOM_ARITH_INLINE Cond subNoOverflow(V a, V b, V& out) {
    int64_t r;
    bool overflow = __builtin_sub_overflow(int64_t(a.raw()), int64_t(b.raw()), &r);
    out = Value::fromRaw(uint64_t(r));
    return !overflow;
  }
  static SOM_ARITH_INLINE Cond mulNoOverflow(V a, V b, V& out) {
    int64_t r;
    bool overflow = __builtin_mul_overflow(int64_t(a.raw()), int64_t(b.raw()), &r);
    out = Value::fromRaw(uint64_t(r));
    return !overflow;
  }
  static SOM_ARITH_INLINE V select(Cond c, V x, V y) { return c ? x : y; }
  static SOM_ARITH_INLINE V load(V base, int32_t offset) {
    return *reinterpret_cast<const Value*>(base.raw() + offset);
  }
  static SOM_ARITH_INLINE V loadFixed(V base, int32_t offset) { return load(base, offset); }
  static SOM_ARITH_INLINE V loadByte(V base, int32_t offset) {
    return Value::fromRaw(*reinterpret_cast<const uint8_t*>(base.raw() + offset));
  }
  static SOM_ARITH_INLINE V loadIndexed(V base, V index, int32_t offset) {
    return *reinterpret_cast<const Value*>(base.raw() + offset + 8 * index.raw());
  }

  using F = double;
  static SOM_ARITH_INLINE F unboxDouble(V v) { return v.asImmediateDouble(); }
  static SOM_ARITH_INLINE Cond boxDouble(F d, V& out) {
    if (!Value::fitsImmediateDouble(d)) return false;
    out = Value::fromImmediateDouble(d);
    return true;
  }
  static SOM_ARITH_INLINE F fadd(F a, F b) { return a + b; }
  static SOM_ARITH_INLINE F fsub(F a, F b) { return a - b; }
  static SOM_ARITH_INLINE F fmul(F a, F b) { return a * b; }
  static SOM_ARITH_INLINE F fdiv(F a, F b) { return a / b; }
  static SOM_ARITH_INLINE F fsqrt(F a) { return __builtin_sqrt(a); }
  static SOM_ARITH_INLINE Cond flt(F a, F b) { return a < b; }
  static SOM_ARITH_INLINE Cond fle(F a, F b) { return a <= b; }
  static SOM_ARITH_INLINE Cond feq(F a, F b) { return a == b; }
};

// --- tag tests ---------------------------------------------------------------------------

template <class M, class V>
SOM_ARITH_INLINE auto isSmallInt(M& m, V v) {
  return m.eq(m.bitAnd(v, m.konst(kTagMask)), m.konst(uint64_t(Tag::Int)));
}
template <class M, class V>
SOM_ARITH_INLINE auto isPointer(M& m, V v) {
  return m.eq(m.bitAnd(v, m.konst(kTagMask)), m.konst(uint64_t(Tag::Pointer)));
}
// Both tags are Int: the AND of the words has tag 1 and their OR has no other tag bits
// (Int|Double would pass a test on the OR alone).
template <class M, class V>
SOM_ARITH_INLINE auto bothSmallInts(M& m, V a, V b) {
  return m.all(m.eq(m.bitAnd(m.bitAnd(a, b), m.konst(kTagMask)), m.konst(uint64_t(Tag::Int))),
               m.eq(m.bitAnd(m.bitOr(a, b), m.konst(6)), m.konst(0)));
}
template <class M, class V>
SOM_ARITH_INLINE auto bothImmediateDoubles(M& m, V a, V b) {
  return m.all(m.eq(m.bitAnd(a, m.konst(kTagMask)), m.konst(uint64_t(Tag::Double))),
               m.eq(m.bitAnd(b, m.konst(kTagMask)), m.konst(uint64_t(Tag::Double))));
}
// Only after isPointer(v).
template <class M, class V>
SOM_ARITH_INLINE auto hasKind(M& m, V object, Kind kind) {
  return m.eq(m.loadByte(object, int32_t(offsetof(Object, kind))), m.konst(uint64_t(kind)));
}

// --- SmallInteger arithmetic on tagged words -----------------------------------------------
// raw = value << 3 | 1. Sums and differences of the raw words stay correctly tagged after
// removing one tag, and overflow exactly when the 61-bit result does not fit.

template <class M, class V>
SOM_ARITH_INLINE auto addSmall(M& m, V a, V b, V& out) {
  return m.addNoOverflow(a, m.sub(b, m.konst(1)), out);
}
template <class M, class V>
SOM_ARITH_INLINE auto subSmall(M& m, V a, V b, V& out) {
  return m.subNoOverflow(a, m.sub(b, m.konst(1)), out);
}
// (a >> 3) * (b - 1) is the product shifted left by 3; the tag is added back.
template <class M, class V>
SOM_ARITH_INLINE auto mulSmall(M& m, V a, V b, V& out) {
  V product;
  auto fits = m.mulNoOverflow(m.shiftRightArith(a, 3), m.sub(b, m.konst(1)), product);
  out = m.bitOr(product, m.konst(1));
  return fits;
}
// Bitwise operations: the tag bits of two SmallIntegers combine to the tag (1 & 1, 1 | 1);
// an exclusive or clears it, so it is set again.
template <class M, class V>
SOM_ARITH_INLINE auto bitAndSmall(M& m, V a, V b) { return m.bitAnd(a, b); }
template <class M, class V>
SOM_ARITH_INLINE auto bitOrSmall(M& m, V a, V b) { return m.bitOr(a, b); }
template <class M, class V>
SOM_ARITH_INLINE auto bitXorSmall(M& m, V a, V b) { return m.bitOr(m.bitXor(a, b), m.konst(1)); }

// Division on the untagged words 8x and 8y (raw - 1): their truncated quotient is x / y
// and their remainder 8 * (x rem y), so only the tag needs restoring, and 8x / 8y cannot
// trap (the divisor 8y is never -1). The divisor must be nonzero: the raw word of 0 is 1, of
// any other SmallInteger an unsigned number above 1.
template <class M, class V>
SOM_ARITH_INLINE auto nonZeroSmall(M& m, V b) { return m.ltUnsigned(m.konst(1), b); }
// Integer>>/: truncated; x / y overflows SmallInteger only for (-2^60) / -1.
template <class M, class V>
SOM_ARITH_INLINE auto divideSmall(M& m, V a, V b, V& out) {
  V shifted;
  auto fits = m.mulNoOverflow(m.divide(m.sub(a, m.konst(1)), m.sub(b, m.konst(1))), m.konst(8), shifted);
  out = m.bitOr(shifted, m.konst(1));
  return fits;
}
// Integer>>rem:: the sign of the dividend.
template <class M, class V>
SOM_ARITH_INLINE auto remainderSmall(M& m, V a, V b) {
  return m.bitOr(m.remainder(m.sub(a, m.konst(1)), m.sub(b, m.konst(1))), m.konst(1));
}
// Integer>>%: the sign of the divisor (floored): a nonzero remainder whose sign differs
// from the divisor's has the divisor added.
template <class M, class V>
SOM_ARITH_INLINE auto moduloSmall(M& m, V a, V b) {
  V divisor = m.sub(b, m.konst(1));
  V r = m.remainder(m.sub(a, m.konst(1)), divisor);
  V floored = m.select(m.lt(m.bitXor(r, divisor), m.konst(0)), m.add(r, divisor), r);
  return m.bitOr(m.select(m.eq(r, m.konst(0)), r, floored), m.konst(1));
}

// Tagging preserves order, so the words compare like the integers.
template <class M, class V>
SOM_ARITH_INLINE auto lessSmall(M& m, V a, V b) { return m.lt(a, b); }
template <class M, class V>
SOM_ARITH_INLINE auto lessEqualSmall(M& m, V a, V b) { return m.le(a, b); }
template <class M, class V>
SOM_ARITH_INLINE auto equalSmall(M& m, V a, V b) { return m.eq(a, b); }

// Array>>at: with an in-range SmallInteger index (the caller checked the kinds).
template <class M, class V>
SOM_ARITH_INLINE auto arrayIndex(M& m, V index) {
  return m.sub(m.shiftRightArith(index, 3), m.konst(1));  // 0-based
}

// String>>= on two Strings (or Symbols) of the same short length n: whether their bytes are
// equal. (Strings are immutable, so a mode may share and hoist the loads of their bytes.)
// Parsers compare one-character strings more than anything else.
constexpr uint64_t kShortStringLength = 8;
template <class M, class V>
SOM_ARITH_INLINE auto equalShortStrings(M& m, V a, V b, uint64_t n) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"  // (String extends Object)
  constexpr int32_t chars = int32_t(offsetof(String, chars));
#pragma GCC diagnostic pop
  V differ = m.konst(0);
  for (uint64_t i = 0; i < n; i++)
    differ = m.bitOr(differ, m.bitXor(m.loadByte(a, chars + int32_t(i)), m.loadByte(b, chars + int32_t(i))));
  return m.eq(differ, m.konst(0));
}

// --- the concrete instantiations the primitives use ------------------------------------------

inline bool bothSmallInts(Value a, Value b) {
  ConcreteOps m;
  return bothSmallInts(m, a, b);
}
inline bool addSmall(Value a, Value b, Value& out) {
  ConcreteOps m;
  return addSmall(m, a, b, out);
}
inline bool subSmall(Value a, Value b, Value& out) {
  ConcreteOps m;
  return subSmall(m, a, b, out);
}
inline bool mulSmall(Value a, Value b, Value& out) {
  ConcreteOps m;
  return mulSmall(m, a, b, out);
}
// The primitives' fast paths: false when an operand is not a SmallInteger, or the divisor
// is zero (the full primitive then raises the error or works on large integers).
inline bool divideSmallInts(Value a, Value b, Value& out) {
  ConcreteOps m;
  return bothSmallInts(m, a, b) && nonZeroSmall(m, b) && divideSmall(m, a, b, out);
}
inline bool remainderSmallInts(Value a, Value b, Value& out) {
  ConcreteOps m;
  if (!bothSmallInts(m, a, b) || !nonZeroSmall(m, b)) return false;
  out = remainderSmall(m, a, b);
  return true;
}
inline bool moduloSmallInts(Value a, Value b, Value& out) {
  ConcreteOps m;
  if (!bothSmallInts(m, a, b) || !nonZeroSmall(m, b)) return false;
  out = moduloSmall(m, a, b);
  return true;
}
inline bool equalShortStrings(Value a, Value b, uint64_t n) {
  ConcreteOps m;
  return equalShortStrings(m, a, b, n);
}
inline bool lessSmall(Value a, Value b) {
  ConcreteOps m;
  return lessSmall(m, a, b);
}
inline bool lessEqualSmall(Value a, Value b) {
  ConcreteOps m;
  return lessEqualSmall(m, a, b);
}

// --- Double arithmetic on immediate Doubles ------------------------------------------------
// IEEE results that have no immediate form (boxed magnitudes, NaN, -0.0) decline, and the
// full send boxes them.

template <class M, class V>
SOM_ARITH_INLINE auto addDoubles(M& m, V a, V b, V& out) {
  return m.boxDouble(m.fadd(m.unboxDouble(a), m.unboxDouble(b)), out);
}
template <class M, class V>
SOM_ARITH_INLINE auto subDoubles(M& m, V a, V b, V& out) {
  return m.boxDouble(m.fsub(m.unboxDouble(a), m.unboxDouble(b)), out);
}
template <class M, class V>
SOM_ARITH_INLINE auto mulDoubles(M& m, V a, V b, V& out) {
  return m.boxDouble(m.fmul(m.unboxDouble(a), m.unboxDouble(b)), out);
}
template <class M, class V>
SOM_ARITH_INLINE auto lessDoubles(M& m, V a, V b) { return m.flt(m.unboxDouble(a), m.unboxDouble(b)); }
template <class M, class V>
SOM_ARITH_INLINE auto lessEqualDoubles(M& m, V a, V b) { return m.fle(m.unboxDouble(a), m.unboxDouble(b)); }
template <class M, class V>
SOM_ARITH_INLINE auto equalDoubles(M& m, V a, V b) { return m.feq(m.unboxDouble(a), m.unboxDouble(b)); }

// Double>>// and Double>>sqrt on immediate Doubles: the primitives' fast paths (their
// full definitions convert Integer arguments and box any result), which the tier-2
// recorder inlines.
template <class M, class V>
SOM_ARITH_INLINE auto divideDoubles(M& m, V a, V b, V& out) {
  return m.boxDouble(m.fdiv(m.unboxDouble(a), m.unboxDouble(b)), out);
}
template <class M, class V>
SOM_ARITH_INLINE auto squareRootDouble(M& m, V a, V& out) {
  return m.boxDouble(m.fsqrt(m.unboxDouble(a)), out);
}
template <class M, class V>
SOM_ARITH_INLINE auto isImmediateDouble(M& m, V v) {
  return m.eq(m.bitAnd(v, m.konst(kTagMask)), m.konst(uint64_t(Tag::Double)));
}

inline bool divideImmediateDoubles(Value a, Value b, Value& out) {
  ConcreteOps m;
  return bothImmediateDoubles(m, a, b) && divideDoubles(m, a, b, out);
}
inline bool squareRootImmediateDouble(Value a, Value& out) {
  ConcreteOps m;
  return isImmediateDouble(m, a) && squareRootDouble(m, a, out);
}

}  // namespace som::arith
