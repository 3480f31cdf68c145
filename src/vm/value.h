// A SOM value is one 64-bit word with a 3-bit tag in its low bits.
//
//   ...000  pointer to a heap Object (8-byte aligned)
//   ...001  SmallInteger: a 61-bit signed integer, value << 3 | 1
//   ...010  immediate Double (Spur-style SmallFloat64, see below)
//
// Integers that do not fit in 61 bits are boxed LargeIntegers (GMP); doubles whose
// exponent is outside the immediate range (and -0.0) are boxed Doubles. Both boxed forms
// answer the same class as their immediate forms, so the split is invisible to SOM.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace som {

struct Object;

enum class Tag : uint64_t { Pointer = 0, Int = 1, Double = 2 };

inline constexpr uint64_t kTagBits = 3;
inline constexpr uint64_t kTagMask = 7;
inline constexpr int64_t kSmallIntMax = (int64_t(1) << 60) - 1;
inline constexpr int64_t kSmallIntMin = -(int64_t(1) << 60);

// Immediate doubles: rotate the IEEE bits left by one (sign to bit 0), rebias the 11-bit
// exponent so that exponents 897..1151 (magnitudes ~1e-38..1e38) fit in 8 bits, shift in
// the tag. +0.0 is encoded specially as the bare tag. Everything else is boxed.
inline constexpr uint64_t kDoubleExpBias = uint64_t(896) << 53;

class Value {
 public:
  constexpr Value() : raw_(0) {}
  static constexpr Value fromRaw(uint64_t raw) { Value v; v.raw_ = raw; return v; }
  static Value fromObject(const Object* o) { return fromRaw(reinterpret_cast<uint64_t>(o)); }
  static constexpr Value fromSmallInt(int64_t i) {
    return fromRaw((static_cast<uint64_t>(i) << kTagBits) | uint64_t(Tag::Int));
  }
  static constexpr bool fitsSmallInt(int64_t i) { return i >= kSmallIntMin && i <= kSmallIntMax; }

  static bool fitsImmediateDouble(double d) {
    uint64_t bits = std::bit_cast<uint64_t>(d);
    if (bits == 0) return true;
    uint64_t exp = (bits >> 52) & 0x7FF;
    return exp - 897 < 255;  // 896 itself would collide with the +0.0 encoding
  }
  static Value fromImmediateDouble(double d) {
    uint64_t bits = std::bit_cast<uint64_t>(d);
    if (bits == 0) return fromRaw(uint64_t(Tag::Double));
    uint64_t rot = (bits << 1) | (bits >> 63);
    return fromRaw(((rot - kDoubleExpBias) << kTagBits) | uint64_t(Tag::Double));
  }

  constexpr uint64_t raw() const { return raw_; }
  constexpr uint64_t tag() const { return raw_ & kTagMask; }
  constexpr bool isObject() const { return tag() == uint64_t(Tag::Pointer); }
  constexpr bool isSmallInt() const { return tag() == uint64_t(Tag::Int); }
  constexpr bool isImmediateDouble() const { return tag() == uint64_t(Tag::Double); }
  // The null word is never a SOM value; the interpreter uses it to signal an unwind.
  constexpr bool isNull() const { return raw_ == 0; }

  Object* asObject() const { return reinterpret_cast<Object*>(raw_); }
  constexpr int64_t asSmallInt() const { return static_cast<int64_t>(raw_) >> kTagBits; }
  double asImmediateDouble() const {
    uint64_t w = raw_ >> kTagBits;
    if (w == 0) return 0.0;
    uint64_t rot = w + kDoubleExpBias;
    return std::bit_cast<double>((rot >> 1) | (rot << 63));
  }

  constexpr bool operator==(const Value& o) const { return raw_ == o.raw_; }
  constexpr bool operator!=(const Value& o) const { return raw_ != o.raw_; }

 private:
  uint64_t raw_;
};

static_assert(sizeof(Value) == 8);

}  // namespace som
