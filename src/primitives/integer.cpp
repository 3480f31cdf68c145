// Integer primitives. Every Integer is a SmallInteger or a LargeInteger (GMP); results are
// normalised so that values that fit are always small. A Double argument makes the
// arithmetic operations answer Doubles.
#include <cmath>
#include <random>

#include "primitives/arith.h"
#include "primitives/registry.h"
#include "primitives/support.h"

namespace som {
namespace {

using arith::bothSmallInts;

struct Mpz {
  mpz_t z;
  Mpz() { mpz_init(z); }
  explicit Mpz(Value v) {
    mpz_init(z);
    toMpz(v, z);
  }
  ~Mpz() { mpz_clear(z); }
  Value value() const { return normalizedInteger(z); }
};

[[noreturn]] void notANumber(const char* prim, Value v) { wrongArgument(prim, "a number", v); }

template <class SmallOp, class BigOp, class DoubleOp>
Value arithmetic(const char* prim, Value a, Value b, SmallOp small, BigOp big, DoubleOp dbl) {
  Value r;
  if (bothSmallInts(a, b) && small(a, b, r)) return r;
  if (isDouble(b)) return newDouble(dbl(integerToDouble(a), doubleOf(b)));
  if (!isInteger(b)) notANumber(prim, b);
  Mpz x(a), y(b), out;
  big(out.z, x.z, y.z);
  return out.value();
}

Value plus(Value* args, Frame*) {
  return arithmetic("Integer>>+", args[0], args[1], [](Value a, Value b, Value& r) { return arith::addSmall(a, b, r); }, mpz_add,
                    [](double x, double y) { return x + y; });
}
Value minus(Value* args, Frame*) {
  return arithmetic("Integer>>-", args[0], args[1], [](Value a, Value b, Value& r) { return arith::subSmall(a, b, r); }, mpz_sub,
                    [](double x, double y) { return x - y; });
}
Value times(Value* args, Frame*) {
  return arithmetic("Integer>>*", args[0], args[1], [](Value a, Value b, Value& r) { return arith::mulSmall(a, b, r); }, mpz_mul,
                    [](double x, double y) { return x * y; });
}

void checkDivisor(const char* prim, Value b) {
  if (isDouble(b)) {
    if (doubleOf(b) == 0.0) runtimeError(std::string(prim) + ": division by zero");
    return;
  }
  if (!isInteger(b)) notANumber(prim, b);
  if (b.isSmallInt() && b.asSmallInt() == 0) runtimeError(std::string(prim) + ": division by zero");
}

// Integer division truncating toward zero; with a Double, the real quotient truncated.
Value divide(Value* args, Frame*) {
  Value a = args[0], b = args[1], q;
  if (arith::divideSmallInts(a, b, q)) return q;
  checkDivisor("Integer>>/", b);
  if (isDouble(b)) {
    double real = integerToDouble(a) / doubleOf(b);
    if (!std::isfinite(real))
      runtimeError("Integer>>/: the quotient " + doubleToString(real) + " cannot be represented as an Integer");
    return integerFromDouble(real);
  }
  Mpz x(a), y(b), quotient;
  mpz_tdiv_q(quotient.z, x.z, y.z);
  return quotient.value();
}

// Always a Double (IEEE division; a zero divisor gives an infinity or NaN).
Value doubleDivide(Value* args, Frame*) {
  Value b = args[1];
  if (!isInteger(b) && !isDouble(b)) notANumber("Integer>>//", b);
  double y = isDouble(b) ? doubleOf(b) : integerToDouble(b);
  return newDouble(integerToDouble(args[0]) / y);
}

// Modulo with the sign of the divisor (floored).
Value modulo(Value* args, Frame*) {
  Value a = args[0], b = args[1], small;
  if (arith::moduloSmallInts(a, b, small)) return small;
  checkDivisor("Integer>>%", b);
  if (isDouble(b)) {
    double x = integerToDouble(a), y = doubleOf(b);
    double r = std::fmod(x, y);
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return newDouble(r);
  }
  Mpz x(a), y(b), r;
  mpz_fdiv_r(r.z, x.z, y.z);
  return r.value();
}

// Remainder with the sign of the dividend (truncated).
Value remainder(Value* args, Frame*) {
  Value a = args[0], b = args[1], small;
  if (arith::remainderSmallInts(a, b, small)) return small;
  checkDivisor("Integer>>rem:", b);
  if (isDouble(b)) return newDouble(std::fmod(integerToDouble(a), doubleOf(b)));
  Mpz x(a), y(b), r;
  mpz_tdiv_r(r.z, x.z, y.z);
  return r.value();
}

// On two SmallIntegers, the operation on the tagged words (primitives/arith.h).
template <class SmallOp, class BigOp>
Value bitwise(const char* prim, Value a, Value b, SmallOp small, BigOp big) {
  if (bothSmallInts(a, b)) return small(arith::ConcreteOps{}, a, b);
  if (!isInteger(b)) wrongArgument(prim, "an Integer", b);
  Mpz x(a), y(b), r;
  big(r.z, x.z, y.z);
  return r.value();
}

Value bitAnd(Value* args, Frame*) {
  return bitwise("Integer>>&", args[0], args[1], [](auto m, Value x, Value y) { return arith::bitAndSmall(m, x, y); }, mpz_and);
}
Value bitOr(Value* args, Frame*) {
  return bitwise("Integer>>bitOr:", args[0], args[1], [](auto m, Value x, Value y) { return arith::bitOrSmall(m, x, y); }, mpz_ior);
}
Value bitXor(Value* args, Frame*) {
  return bitwise("Integer>>bitXor:", args[0], args[1], [](auto m, Value x, Value y) { return arith::bitXorSmall(m, x, y); }, mpz_xor);
}

constexpr int64_t kMaxShift = 1 << 24;  // bits; beyond this a shift is surely a mistake

Value shiftLeft(Value* args, Frame*) {
  Value a = args[0];
  int64_t n = smallIntArg("Integer>><<", args[1]);
  if (n < 0) runtimeError("Integer>><<: negative shift");
  if (n > kMaxShift) runtimeError("Integer>><<: shift too big");
  if (a.isSmallInt() && n < 62) {
    int64_t x = a.asSmallInt();
    if (x == 0) return a;
    int64_t r = x << n;  // check that no significant bits were lost
    if ((r >> n) == x && Value::fitsSmallInt(r)) return Value::fromSmallInt(r);
  }
  Mpz x(a), r;
  mpz_mul_2exp(r.z, x.z, uint64_t(n));
  return r.value();
}

// Logical right shift of the 64-bit two's complement pattern, read back as signed 64-bit
// (so -1 >>> 1 is 2^63-1 and -1 >>> 0 is -1);
// LargeIntegers shift arithmetically.
Value shiftRightLogical(Value* args, Frame*) {
  Value a = args[0];
  int64_t n = smallIntArg("Integer>>>>>", args[1]);
  if (n < 0) runtimeError("Integer>>>>>: negative shift");
  if (a.isSmallInt()) {
    uint64_t x = uint64_t(a.asSmallInt());
    uint64_t r = n >= 64 ? 0 : x >> n;
    return newInteger(int64_t(r));  // the shifted pattern read as a signed 64-bit value
  }
  Mpz x(a), r;
  mpz_fdiv_q_2exp(r.z, x.z, uint64_t(n));
  return r.value();
}

Value squareRoot(Value* args, Frame*) {
  Value a = args[0];
  Mpz x(a);
  if (mpz_sgn(x.z) < 0) return newDouble(std::sqrt(integerToDouble(a)));
  if (mpz_perfect_square_p(x.z)) {
    Mpz r;
    mpz_sqrt(r.z, x.z);
    return r.value();
  }
  return newDouble(std::sqrt(integerToDouble(a)));
}

Value atRandom(Value* args, Frame*) {
  static std::mt19937_64 rng(74755);
  int64_t n = smallIntArg("Integer>>atRandom", args[0]);
  if (n <= 0) return Value::fromSmallInt(0);
  return Value::fromSmallInt(int64_t(rng() % uint64_t(n)));
}

// -1, 0, 1 for a numeric comparison; 2 when either side is NaN.
int compareNumbers(const char* prim, Value a, Value b) {
  if (bothSmallInts(a, b)) return a.asSmallInt() < b.asSmallInt() ? -1 : a.asSmallInt() > b.asSmallInt();
  if (isDouble(b)) {
    double y = doubleOf(b);
    if (std::isnan(y)) return 2;
    double x = integerToDouble(a);
    if (x != y || std::isinf(y)) return x < y ? -1 : x > y;
    // Equal as doubles: compare exactly, since the conversion may have rounded.
    if (a.isSmallInt() && std::fabs(y) < 9.0e15) return 0;
    Mpz ax(a);
    return mpz_cmp_d(ax.z, y) < 0 ? -1 : mpz_cmp_d(ax.z, y) > 0;
  }
  if (!isInteger(b)) notANumber(prim, b);
  Mpz x(a), y(b);
  int c = mpz_cmp(x.z, y.z);
  return c < 0 ? -1 : c > 0;
}

Value equals(Value* args, Frame*) {
  Value a = args[0], b = args[1];
  if (bothSmallInts(a, b)) return boolValue(a == b);
  if (!isInteger(b) && !isDouble(b)) return U.falseObject;
  return boolValue(compareNumbers("Integer>>=", a, b) == 0);
}
Value notEquals(Value* args, Frame*) {
  Value a = args[0], b = args[1];
  if (!isInteger(b) && !isDouble(b)) return U.trueObject;
  return boolValue(compareNumbers("Integer>>~=", a, b) != 0);
}
Value lessThan(Value* args, Frame*) {
  if (bothSmallInts(args[0], args[1])) return boolValue(arith::lessSmall(args[0], args[1]));
  return boolValue(compareNumbers("Integer>><", args[0], args[1]) == -1);
}
Value lessOrEqual(Value* args, Frame*) {
  if (bothSmallInts(args[0], args[1])) return boolValue(arith::lessEqualSmall(args[0], args[1]));
  int c = compareNumbers("Integer>><=", args[0], args[1]);
  return boolValue(c == -1 || c == 0);
}
Value greaterThan(Value* args, Frame*) {
  if (bothSmallInts(args[0], args[1])) return boolValue(arith::lessSmall(args[1], args[0]));
  return boolValue(compareNumbers("Integer>>>", args[0], args[1]) == 1);
}
Value greaterOrEqual(Value* args, Frame*) {
  if (bothSmallInts(args[0], args[1])) return boolValue(arith::lessEqualSmall(args[1], args[0]));
  int c = compareNumbers("Integer>>>=", args[0], args[1]);
  return boolValue(c == 1 || c == 0);
}

Value asString(Value* args, Frame*) { return newStringValue(integerToString(args[0])); }
Value asDouble(Value* args, Frame*) { return newDouble(integerToDouble(args[0])); }

Value low32Bits(Value a, bool isSigned) {
  uint32_t low;
  if (a.isSmallInt()) {
    low = uint32_t(uint64_t(a.asSmallInt()));
  } else {
    Mpz x(a), r;
    mpz_fdiv_r_2exp(r.z, x.z, 32);  // two's complement low bits
    low = uint32_t(mpz_get_ui(r.z));
  }
  return Value::fromSmallInt(isSigned ? int64_t(int32_t(low)) : int64_t(low));
}
Value as32BitSigned(Value* args, Frame*) { return low32Bits(args[0], true); }
Value as32BitUnsigned(Value* args, Frame*) { return low32Bits(args[0], false); }

Value fromString(Value* args, Frame*) {
  String* s = stringArg("Integer class>>fromString:", args[1]);
  Value v = parseInteger(s->view());
  if (v.isNull())
    runtimeError("Integer class>>fromString: '" + std::string(s->view()) + "' is not an Integer");
  return v;
}

Value abs(Value* args, Frame*) {
  Value a = args[0];
  if (a.isSmallInt()) return newInteger(a.asSmallInt() < 0 ? -a.asSmallInt() : a.asSmallInt());
  Mpz x(a), r;
  mpz_abs(r.z, x.z);
  return r.value();
}

Registration integerPrimitives{
    {"Integer", "+", false, plus, false},
    {"Integer", "-", false, minus, false},
    {"Integer", "*", false, times, false},
    {"Integer", "/", false, divide, false},
    {"Integer", "//", false, doubleDivide, false},
    {"Integer", "%", false, modulo, false},
    {"Integer", "rem:", false, remainder, false},
    {"Integer", "&", false, bitAnd, false},
    {"Integer", "bitOr:", false, bitOr, false},
    {"Integer", "bitXor:", false, bitXor, false},
    {"Integer", "<<", false, shiftLeft, false},
    {"Integer", ">>>", false, shiftRightLogical, false},
    {"Integer", "sqrt", false, squareRoot, false},
    {"Integer", "atRandom", false, atRandom, false},
    {"Integer", "=", false, equals, false},
    {"Integer", "<", false, lessThan, false},
    {"Integer", "asString", false, asString, false},
    {"Integer", "asDouble", false, asDouble, false},
    {"Integer", "as32BitSignedValue", false, as32BitSigned, false},
    {"Integer", "as32BitUnsignedValue", false, as32BitUnsigned, false},
    {"Integer", "fromString:", true, fromString, false},
    // Natives for library methods (same results; the fast paths of LE/GT/GE rely on them).
    {"Integer", "<=", false, lessOrEqual, true},
    {"Integer", ">", false, greaterThan, true},
    {"Integer", ">=", false, greaterOrEqual, true},
    {"Integer", "~=", false, notEquals, true},
    {"Integer", "<>", false, notEquals, true},
    {"Integer", "abs", false, abs, true},
};

}  // namespace
}  // namespace som
