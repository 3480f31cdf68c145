// Value tagging, immediate and boxed doubles, SmallInteger overflow detection, integer
// normalisation and the text forms of numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "primitives/arith.h"
#include "vm/numbers.h"
#include "vm/value.h"
#include "vm_fixture.h"

using namespace som;
using twosom_test::VmTest;

namespace {

uint64_t bitsOf(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

double fromBits(uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

class Values : public VmTest {};

}  // namespace

// --- SmallIntegers ----------------------------------------------------------------------------

TEST(ValueTagging, SmallIntLimits) {
  EXPECT_EQ(kSmallIntMax, (int64_t(1) << 60) - 1);
  EXPECT_EQ(kSmallIntMin, -(int64_t(1) << 60));
  for (int64_t i : {int64_t(0), int64_t(1), int64_t(-1), int64_t(42), int64_t(-123456789), kSmallIntMax,
                    kSmallIntMin, kSmallIntMax - 1, kSmallIntMin + 1, int64_t(1) << 40}) {
    ASSERT_TRUE(Value::fitsSmallInt(i)) << i;
    Value v = Value::fromSmallInt(i);
    EXPECT_TRUE(v.isSmallInt()) << i;
    EXPECT_FALSE(v.isObject()) << i;
    EXPECT_FALSE(v.isImmediateDouble()) << i;
    EXPECT_FALSE(v.isNull()) << i;
    EXPECT_EQ(v.asSmallInt(), i);
    EXPECT_EQ(v.tag(), uint64_t(Tag::Int));
  }
  EXPECT_FALSE(Value::fitsSmallInt(kSmallIntMax + 1));
  EXPECT_FALSE(Value::fitsSmallInt(kSmallIntMin - 1));
  EXPECT_FALSE(Value::fitsSmallInt(std::numeric_limits<int64_t>::max()));
  EXPECT_FALSE(Value::fitsSmallInt(std::numeric_limits<int64_t>::min()));
}

TEST(ValueTagging, SmallIntOrderMatchesRawOrder) {
  // lessSmall compares the raw words; tagging must preserve the order of the integers.
  std::vector<int64_t> xs = {kSmallIntMin, -1000, -1, 0, 1, 1000, kSmallIntMax};
  for (int64_t a : xs)
    for (int64_t b : xs) {
      EXPECT_EQ(arith::lessSmall(Value::fromSmallInt(a), Value::fromSmallInt(b)), a < b) << a << " " << b;
      EXPECT_EQ(arith::lessEqualSmall(Value::fromSmallInt(a), Value::fromSmallInt(b)), a <= b) << a << " " << b;
    }
}

TEST(ValueTagging, NullWordIsNotAValue) {
  Value v;
  EXPECT_TRUE(v.isNull());
  EXPECT_TRUE(v.isObject());  // tag 0, but null: only used as the unwind marker
  EXPECT_FALSE(Value::fromSmallInt(0).isNull());
  EXPECT_FALSE(Value::fromImmediateDouble(0.0).isNull());
}

// --- immediate doubles ------------------------------------------------------------------------

TEST(ValueTagging, ImmediateDoublesRoundTrip) {
  const double values[] = {0.0,     1.0,      -1.0,    -1.5,    0.5,     2.0,       1e-30,
                           -1e-30,  1e30,     -1e30,   M_PI,    -M_PI,   0.1,       1.0 / 3.0,
                           123.456, 1e-37,    1e38,    3.4e38,  1.5e-38, 65536.0,   1e16,
                           1e-5,    4503599627370495.5, std::nextafter(1.0, 2.0)};
  for (double d : values) {
    ASSERT_TRUE(Value::fitsImmediateDouble(d)) << d;
    Value v = Value::fromImmediateDouble(d);
    EXPECT_TRUE(v.isImmediateDouble()) << d;
    EXPECT_FALSE(v.isSmallInt()) << d;
    EXPECT_FALSE(v.isObject()) << d;
    EXPECT_EQ(bitsOf(v.asImmediateDouble()), bitsOf(d)) << d;
  }
}

TEST(ValueTagging, ImmediateDoubleRangeBoundaries) {
  // Exponent field 897..1151 is immediate: 2^-126 .. just below 2^129.
  double smallest = std::ldexp(1.0, -126);
  double belowSmallest = std::nextafter(smallest, 0.0);
  double largest = std::nextafter(std::ldexp(1.0, 129), 0.0);
  double aboveLargest = std::ldexp(1.0, 129);
  EXPECT_TRUE(Value::fitsImmediateDouble(smallest));
  EXPECT_TRUE(Value::fitsImmediateDouble(-smallest));
  EXPECT_FALSE(Value::fitsImmediateDouble(belowSmallest));
  EXPECT_FALSE(Value::fitsImmediateDouble(std::ldexp(1.0, -127)));
  EXPECT_TRUE(Value::fitsImmediateDouble(largest));
  EXPECT_TRUE(Value::fitsImmediateDouble(-largest));
  EXPECT_FALSE(Value::fitsImmediateDouble(aboveLargest));
  for (double d : {smallest, -smallest, largest, -largest}) {
    Value v = Value::fromImmediateDouble(d);
    EXPECT_EQ(bitsOf(v.asImmediateDouble()), bitsOf(d)) << d;
  }
}

TEST(ValueTagging, RandomImmediateDoublesRoundTrip) {
  std::mt19937_64 rng(12345);
  int immediates = 0;
  for (int i = 0; i < 200000; i++) {
    uint64_t bits = rng();
    double d = fromBits(bits);
    uint64_t exp = (bits >> 52) & 0x7FF;
    bool shouldFit = (exp >= 897 && exp <= 1151) || bits == 0;
    ASSERT_EQ(Value::fitsImmediateDouble(d), shouldFit) << std::hex << bits;
    if (!shouldFit) continue;
    immediates++;
    Value v = Value::fromImmediateDouble(d);
    ASSERT_TRUE(v.isImmediateDouble()) << std::hex << bits;
    ASSERT_EQ(bitsOf(v.asImmediateDouble()), bits) << std::hex << bits;
  }
  // Also random values forced into the immediate exponent range.
  for (int i = 0; i < 200000; i++) {
    uint64_t r = rng();
    uint64_t exp = 897 + r % 255;
    uint64_t bits = (r & 0x800FFFFFFFFFFFFFull) | (exp << 52);
    double d = fromBits(bits);
    ASSERT_TRUE(Value::fitsImmediateDouble(d));
    ASSERT_EQ(bitsOf(Value::fromImmediateDouble(d).asImmediateDouble()), bits) << std::hex << bits;
    immediates++;
  }
  EXPECT_GT(immediates, 200000);
}

TEST(ValueTagging, DistinctDoublesHaveDistinctEncodings) {
  // +0.0 is special-cased: it must not collide with the smallest immediate value.
  Value zero = Value::fromImmediateDouble(0.0);
  Value tiny = Value::fromImmediateDouble(std::ldexp(1.0, -126));
  EXPECT_NE(zero, tiny);
  EXPECT_EQ(bitsOf(tiny.asImmediateDouble()), bitsOf(std::ldexp(1.0, -126)));
  EXPECT_NE(Value::fromImmediateDouble(1.0), Value::fromImmediateDouble(-1.0));
}

TEST_F(Values, OutOfRangeDoublesAreBoxedAndBitIdentical) {
  const double values[] = {-0.0,
                           1e300,
                           -1e300,
                           1e-300,
                           -1e-300,
                           1e39,
                           1e-39,
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN(),
                           -std::numeric_limits<double>::quiet_NaN(),
                           fromBits(0x7FF0000000000001ull),  // signalling NaN payload
                           fromBits(0x7FF8DEADBEEF0001ull),  // NaN with payload
                           std::numeric_limits<double>::denorm_min(),
                           -std::numeric_limits<double>::denorm_min(),
                           fromBits(0x000FFFFFFFFFFFFFull),  // largest denormal
                           std::numeric_limits<double>::min(),
                           std::numeric_limits<double>::max(),
                           -std::numeric_limits<double>::max()};
  for (double d : values) {
    EXPECT_FALSE(Value::fitsImmediateDouble(d)) << std::hex << bitsOf(d);
    Value v = newDouble(d);
    EXPECT_TRUE(v.isObject()) << std::hex << bitsOf(d);
    ASSERT_TRUE(isKind(v, Kind::Double)) << std::hex << bitsOf(d);
    EXPECT_TRUE(isDouble(v));
    EXPECT_EQ(classOf(v), U.doubleClass);
    EXPECT_EQ(bitsOf(doubleOf(v)), bitsOf(d)) << std::hex << bitsOf(d);
  }
}

TEST_F(Values, NewDoubleUsesImmediatesWhenPossible) {
  for (double d : {0.0, 1.0, -2.5, 1e-30, 1e30, M_PI}) {
    Value v = newDouble(d);
    EXPECT_TRUE(v.isImmediateDouble()) << d;
    EXPECT_TRUE(isDouble(v));
    EXPECT_EQ(bitsOf(doubleOf(v)), bitsOf(d));
    EXPECT_EQ(classOf(v), U.doubleClass);
  }
  // Equal immediates are identical words.
  EXPECT_EQ(newDouble(1.5), newDouble(1.5));
}

TEST(ValueTagging, BothSmallIntsTruthTable) {
  Value i1 = Value::fromSmallInt(3);
  Value i2 = Value::fromSmallInt(-7);
  Value d1 = Value::fromImmediateDouble(1.5);
  Value dz = Value::fromImmediateDouble(0.0);  // the bare tag
  alignas(8) static uint64_t fakeObject[4];
  Value p = Value::fromObject(reinterpret_cast<Object*>(fakeObject));
  struct Row { Value a, b; bool expected; const char* what; };
  const Row rows[] = {
      {i1, i2, true, "int int"},       {i2, i1, true, "int int (swapped)"},
      {i1, i1, true, "int int (same)"}, {i1, d1, false, "int double"},
      {d1, i1, false, "double int"},   {i1, dz, false, "int +0.0"},
      {dz, i1, false, "+0.0 int"},     {d1, d1, false, "double double"},
      {i1, p, false, "int pointer"},   {p, i1, false, "pointer int"},
      {p, p, false, "pointer pointer"}, {d1, p, false, "double pointer"},
      {Value::fromSmallInt(kSmallIntMin), Value::fromSmallInt(kSmallIntMax), true, "limits"},
      {Value::fromSmallInt(0), Value::fromSmallInt(0), true, "zeros"},
  };
  for (auto& r : rows) EXPECT_EQ(arith::bothSmallInts(r.a, r.b), r.expected) << r.what;
  // Every combination of the three tags: only (Int, Int) is true.
  for (uint64_t ta = 0; ta < 3; ta++)
    for (uint64_t tb = 0; tb < 3; tb++) {
      Value a = Value::fromRaw((uint64_t(5) << 3) | ta);
      Value b = Value::fromRaw((uint64_t(9) << 3) | tb);
      EXPECT_EQ(arith::bothSmallInts(a, b), ta == 1 && tb == 1) << ta << " " << tb;
    }
}

// --- overflow detection ----------------------------------------------------------------------

namespace {
Value I(int64_t i) { return Value::fromSmallInt(i); }
}  // namespace

TEST(Arith, AddSmallAtTheLimits) {
  Value out;
  ASSERT_TRUE(arith::addSmall(I(3), I(4), out));
  EXPECT_EQ(out, I(7));
  ASSERT_TRUE(arith::addSmall(I(-3), I(-4), out));
  EXPECT_EQ(out, I(-7));
  ASSERT_TRUE(arith::addSmall(I(kSmallIntMax - 1), I(1), out));
  EXPECT_EQ(out, I(kSmallIntMax));
  EXPECT_TRUE(out.isSmallInt());
  EXPECT_FALSE(arith::addSmall(I(kSmallIntMax), I(1), out));
  EXPECT_FALSE(arith::addSmall(I(1), I(kSmallIntMax), out));
  EXPECT_FALSE(arith::addSmall(I(kSmallIntMax), I(kSmallIntMax), out));
  ASSERT_TRUE(arith::addSmall(I(kSmallIntMin + 1), I(-1), out));
  EXPECT_EQ(out, I(kSmallIntMin));
  EXPECT_FALSE(arith::addSmall(I(kSmallIntMin), I(-1), out));
  EXPECT_FALSE(arith::addSmall(I(kSmallIntMin), I(kSmallIntMin), out));
  ASSERT_TRUE(arith::addSmall(I(kSmallIntMin), I(kSmallIntMax), out));
  EXPECT_EQ(out, I(-1));
}

TEST(Arith, SubSmallAtTheLimits) {
  Value out;
  ASSERT_TRUE(arith::subSmall(I(3), I(10), out));
  EXPECT_EQ(out, I(-7));
  ASSERT_TRUE(arith::subSmall(I(kSmallIntMin + 1), I(1), out));
  EXPECT_EQ(out, I(kSmallIntMin));
  EXPECT_FALSE(arith::subSmall(I(kSmallIntMin), I(1), out));
  ASSERT_TRUE(arith::subSmall(I(kSmallIntMax - 1), I(-1), out));
  EXPECT_EQ(out, I(kSmallIntMax));
  EXPECT_FALSE(arith::subSmall(I(kSmallIntMax), I(-1), out));
  EXPECT_FALSE(arith::subSmall(I(0), I(kSmallIntMin), out));  // -min = 2^60 does not fit
  ASSERT_TRUE(arith::subSmall(I(-1), I(kSmallIntMin), out));
  EXPECT_EQ(out, I(kSmallIntMax));
  EXPECT_FALSE(arith::subSmall(I(kSmallIntMax), I(kSmallIntMin), out));
}

TEST(Arith, MulSmallAtTheLimits) {
  Value out;
  const int64_t p30 = int64_t(1) << 30;
  ASSERT_TRUE(arith::mulSmall(I(6), I(-7), out));
  EXPECT_EQ(out, I(-42));
  ASSERT_TRUE(arith::mulSmall(I(0), I(kSmallIntMin), out));
  EXPECT_EQ(out, I(0));
  EXPECT_FALSE(arith::mulSmall(I(p30), I(p30), out));  // 2^60 = max + 1
  ASSERT_TRUE(arith::mulSmall(I(p30), I(-p30), out));  // -2^60 = min
  EXPECT_EQ(out, I(kSmallIntMin));
  ASSERT_TRUE(arith::mulSmall(I(p30), I(p30 - 1), out));
  EXPECT_EQ(out, I(p30 * (p30 - 1)));
  ASSERT_TRUE(arith::mulSmall(I(kSmallIntMax), I(1), out));
  EXPECT_EQ(out, I(kSmallIntMax));
  ASSERT_TRUE(arith::mulSmall(I(kSmallIntMax), I(-1), out));
  EXPECT_EQ(out, I(-kSmallIntMax));
  ASSERT_TRUE(arith::mulSmall(I(kSmallIntMin), I(1), out));
  EXPECT_EQ(out, I(kSmallIntMin));
  EXPECT_FALSE(arith::mulSmall(I(kSmallIntMin), I(-1), out));
  EXPECT_FALSE(arith::mulSmall(I(-1), I(kSmallIntMin), out));
  EXPECT_FALSE(arith::mulSmall(I(kSmallIntMax), I(2), out));
  // (2^59) * 2 = 2^60 overflows; (-2^59) * 2 = -2^60 fits.
  EXPECT_FALSE(arith::mulSmall(I(int64_t(1) << 59), I(2), out));
  ASSERT_TRUE(arith::mulSmall(I(-(int64_t(1) << 59)), I(2), out));
  EXPECT_EQ(out, I(kSmallIntMin));
  // Results are correctly tagged SmallIntegers.
  ASSERT_TRUE(arith::mulSmall(I(-3), I(-5), out));
  EXPECT_TRUE(out.isSmallInt());
  EXPECT_EQ(out.asSmallInt(), 15);
}

TEST(Arith, OverflowAgreesWithWideArithmetic) {
  std::mt19937_64 rng(7);
  auto pick = [&]() -> int64_t {
    switch (rng() % 4) {
      case 0: return kSmallIntMax - int64_t(rng() % 1000);
      case 1: return kSmallIntMin + int64_t(rng() % 1000);
      case 2: return int64_t(rng() % 4000000000ull) - 2000000000;
      default: return (int64_t(rng()) >> 3);  // any 61-bit value
    }
  };
  for (int i = 0; i < 100000; i++) {
    int64_t a = pick(), b = pick();
    __int128 s = __int128(a) + b, d = __int128(a) - b, m = __int128(a) * b;
    auto fits = [](__int128 x) { return x >= kSmallIntMin && x <= kSmallIntMax; };
    Value out;
    ASSERT_EQ(arith::addSmall(I(a), I(b), out), fits(s)) << a << " + " << b;
    if (fits(s)) {
      ASSERT_EQ(out.asSmallInt(), int64_t(s));
    }
    ASSERT_EQ(arith::subSmall(I(a), I(b), out), fits(d)) << a << " - " << b;
    if (fits(d)) {
      ASSERT_EQ(out.asSmallInt(), int64_t(d));
    }
    ASSERT_EQ(arith::mulSmall(I(a), I(b), out), fits(m)) << a << " * " << b;
    if (fits(m)) {
      ASSERT_EQ(out.asSmallInt(), int64_t(m));
    }
  }
}

// --- integer normalisation ------------------------------------------------------------------

TEST_F(Values, ParseIntegerSmallAndLarge) {
  Value small = parseInteger("12345");
  ASSERT_TRUE(small.isSmallInt());
  EXPECT_EQ(small.asSmallInt(), 12345);
  Value neg = parseInteger("-42");
  ASSERT_TRUE(neg.isSmallInt());
  EXPECT_EQ(neg.asSmallInt(), -42);

  // The boundaries of the SmallInteger range (19 digits: the GMP path).
  Value max = parseInteger("1152921504606846975");
  ASSERT_TRUE(max.isSmallInt());
  EXPECT_EQ(max.asSmallInt(), kSmallIntMax);
  Value min = parseInteger("-1152921504606846976");
  ASSERT_TRUE(min.isSmallInt());
  EXPECT_EQ(min.asSmallInt(), kSmallIntMin);
  Value above = parseInteger("1152921504606846976");
  ASSERT_TRUE(isLargeInt(above));
  EXPECT_EQ(integerToString(above), "1152921504606846976");
  Value below = parseInteger("-1152921504606846977");
  ASSERT_TRUE(isLargeInt(below));
  EXPECT_EQ(integerToString(below), "-1152921504606846977");

  // Beyond 64 bits.
  Value big = parseInteger("123456789012345678901234567890");
  ASSERT_TRUE(isLargeInt(big));
  EXPECT_EQ(classOf(big), U.integerClass);
  EXPECT_TRUE(isInteger(big));

  // Big texts with small values normalise to SmallIntegers.
  Value padded = parseInteger("0000000000000000000000000000007");
  ASSERT_TRUE(padded.isSmallInt());
  EXPECT_EQ(padded.asSmallInt(), 7);
}

TEST_F(Values, ParseIntegerRejectsNonNumbers) {
  EXPECT_TRUE(parseInteger("").isNull());
  EXPECT_TRUE(parseInteger("-").isNull());
  EXPECT_TRUE(parseInteger("12a").isNull());
  EXPECT_TRUE(parseInteger("1.5").isNull());
  EXPECT_TRUE(parseInteger("+5").isNull());
  EXPECT_TRUE(parseInteger(" 5").isNull());
  EXPECT_TRUE(parseInteger("12345678901234567890123x").isNull());
}

TEST_F(Values, HundredDigitIntegersRoundTrip) {
  std::mt19937_64 rng(99);
  for (int n = 0; n < 50; n++) {
    std::string digits(1, char('1' + rng() % 9));
    while (digits.size() < 100) digits += char('0' + rng() % 10);
    for (std::string text : {digits, "-" + digits}) {
      Value v = parseInteger(text);
      ASSERT_TRUE(isLargeInt(v)) << text;
      EXPECT_EQ(integerToString(v), text);
    }
  }
}

TEST_F(Values, NormalizedIntegerAnswersSmallWhenItFits) {
  mpz_t z;
  mpz_init_set_si(z, 1000);
  EXPECT_EQ(normalizedInteger(z), Value::fromSmallInt(1000));
  mpz_set_si(z, kSmallIntMax);
  EXPECT_EQ(normalizedInteger(z), Value::fromSmallInt(kSmallIntMax));
  mpz_add_ui(z, z, 1);
  EXPECT_TRUE(isLargeInt(normalizedInteger(z)));
  mpz_set_si(z, kSmallIntMin);
  EXPECT_EQ(normalizedInteger(z), Value::fromSmallInt(kSmallIntMin));
  mpz_sub_ui(z, z, 1);
  EXPECT_TRUE(isLargeInt(normalizedInteger(z)));
  mpz_clear(z);

  EXPECT_TRUE(newInteger(kSmallIntMax).isSmallInt());
  EXPECT_TRUE(isLargeInt(newInteger(kSmallIntMax + 1)));
  EXPECT_TRUE(isLargeInt(newInteger(std::numeric_limits<int64_t>::min())));
  EXPECT_EQ(integerToString(newInteger(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(integerToString(newInteger(std::numeric_limits<int64_t>::max())), "9223372036854775807");
}

TEST_F(Values, IntegerDoubleConversions) {
  EXPECT_EQ(integerToDouble(Value::fromSmallInt(-5)), -5.0);
  EXPECT_EQ(integerToDouble(parseInteger("100000000000000000000")), 1e20);
  Value fromD = integerFromDouble(1e20);
  ASSERT_TRUE(isLargeInt(fromD));
  EXPECT_EQ(integerToString(fromD), "100000000000000000000");
  EXPECT_EQ(integerFromDouble(-3.99), Value::fromSmallInt(-3));
  EXPECT_EQ(integerFromDouble(1e18), Value::fromSmallInt(1000000000000000000));
}

// --- doubleToString ---------------------------------------------------------------------------

TEST(DoubleToString, ShortestRoundTripForms) {
  EXPECT_EQ(doubleToString(0.5), "0.5");
  EXPECT_EQ(doubleToString(1.0), "1.0");
  EXPECT_EQ(doubleToString(-1.0), "-1.0");
  EXPECT_EQ(doubleToString(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(doubleToString(1e16), "1e16");
  EXPECT_EQ(doubleToString(1.152921504606847e18), "1.152921504606847e18");
  EXPECT_EQ(doubleToString(1e-5), "1e-5");
  EXPECT_EQ(doubleToString(100000.19879879123), "100000.19879879123");
  EXPECT_EQ(doubleToString(123.0), "123.0");
  EXPECT_EQ(doubleToString(3.14), "3.14");
  EXPECT_EQ(doubleToString(1e-4), "0.0001");
  EXPECT_EQ(doubleToString(1e15), "1000000000000000.0");
  EXPECT_EQ(doubleToString(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(doubleToString(-2.5e-7), "-2.5e-7");
  EXPECT_EQ(doubleToString(1e300), "1e300");
  EXPECT_EQ(doubleToString(std::numeric_limits<double>::denorm_min()), "5e-324");
}

TEST(DoubleToString, SpecialValues) {
  EXPECT_EQ(doubleToString(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(doubleToString(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(doubleToString(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(doubleToString(0.0), "0.0");
  EXPECT_EQ(doubleToString(-0.0), "-0.0");
}

TEST(DoubleToString, RoundTripsThroughStrtod) {
  std::mt19937_64 rng(4242);
  for (int i = 0; i < 20000; i++) {
    double d = fromBits(rng());
    if (!std::isfinite(d)) continue;
    std::string s = doubleToString(d);
    ASSERT_EQ(bitsOf(std::strtod(s.c_str(), nullptr)), bitsOf(d)) << s;
  }
}
