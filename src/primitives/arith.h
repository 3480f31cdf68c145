// Fast paths of the hot arithmetic and comparison primitives, written once. The Integer
// and Double primitives (primitives/integer.cpp, double.cpp) begin with these, and the
// bytecode handlers (interp/handlers.h) use the same functions for their inline paths, so
// there is exactly one definition of what `3 + 4` means on immediate operands.
#pragma once

#include "vm/numbers.h"
#include "vm/value.h"

namespace som::arith {

// Tagged SmallIntegers: raw = v << 3 | 1. Sums and differences of the raw words stay
// correctly tagged after removing one tag, and overflow exactly when the 61-bit result
// does not fit.
inline bool addSmall(Value a, Value b, Value& out) {
  int64_t r;
  if (__builtin_add_overflow(int64_t(a.raw()), int64_t(b.raw() - 1), &r)) return false;
  out = Value::fromRaw(uint64_t(r));
  return true;
}

inline bool subSmall(Value a, Value b, Value& out) {
  int64_t r;
  if (__builtin_sub_overflow(int64_t(a.raw()), int64_t(b.raw() - 1), &r)) return false;
  out = Value::fromRaw(uint64_t(r));
  return true;
}

inline bool mulSmall(Value a, Value b, Value& out) {
  int64_t r;
  if (__builtin_mul_overflow(a.asSmallInt(), int64_t(b.raw() - 1), &r)) return false;
  out = Value::fromRaw(uint64_t(r) | 1);
  return true;
}

// Tagging preserves order, so raw words compare like the integers.
inline bool lessSmall(Value a, Value b) { return int64_t(a.raw()) < int64_t(b.raw()); }
inline bool lessEqualSmall(Value a, Value b) { return int64_t(a.raw()) <= int64_t(b.raw()); }

inline bool bothImmediateDoubles(Value a, Value b) {
  return a.isImmediateDouble() && b.isImmediateDouble();
}

}  // namespace som::arith
