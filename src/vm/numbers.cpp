#include "vm/numbers.h"

#include <gc/gc.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace som {

Value newDouble(double d) {
  if (Value::fitsImmediateDouble(d)) return Value::fromImmediateDouble(d);
  auto* b = static_cast<BoxedDouble*>(heap::allocateAtomic(sizeof(BoxedDouble)));
  b->cls = U.doubleClass;
  b->hash = nextIdentityHash();
  b->kind = Kind::Double;
  b->flags = 0;
  b->unused = 0;
  b->value = d;
  return Value::fromObject(b);
}

Value newInteger(int64_t i) {
  if (Value::fitsSmallInt(i)) return Value::fromSmallInt(i);
  mpz_t z;
  mpz_init(z);
  mpz_set_si(z, i);
  Value v = normalizedInteger(z);
  mpz_clear(z);
  return v;
}

Value normalizedInteger(mpz_srcptr z) {
  if (mpz_fits_slong_p(z)) {
    long l = mpz_get_si(z);
    if (Value::fitsSmallInt(l)) return Value::fromSmallInt(l);
  }
  auto* li = allocObject<LargeInt>(U.integerClass, Kind::LargeInt, sizeof(LargeInt));
  mpz_init_set(li->value, z);
  return Value::fromObject(li);
}

void toMpz(Value v, mpz_ptr out) {
  if (v.isSmallInt()) mpz_set_si(out, v.asSmallInt());
  else mpz_set(out, mpzOf(v));
}

double integerToDouble(Value v) {
  if (v.isSmallInt()) return double(v.asSmallInt());
  // mpz_get_d truncates; convert via the decimal text for correct rounding.
  std::string s = integerToString(v);
  return std::strtod(s.c_str(), nullptr);
}

Value integerFromDouble(double d) {
  double t = std::trunc(d);
  if (t >= -9.2e18 && t <= 9.2e18) return newInteger(int64_t(t));
  mpz_t z;
  mpz_init_set_d(z, t);
  Value v = normalizedInteger(z);
  mpz_clear(z);
  return v;
}

Value parseInteger(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && text[i] == '-') {
    negative = true;
    i++;
  }
  if (i == text.size()) return Value();
  for (size_t j = i; j < text.size(); j++)
    if (text[j] < '0' || text[j] > '9') return Value();
  std::string_view digits = text.substr(i);
  if (digits.size() <= 18) {
    int64_t v = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), v);
    return newInteger(negative ? -v : v);
  }
  std::string s(text);
  mpz_t z;
  mpz_init_set_str(z, s.c_str(), 10);
  Value v = normalizedInteger(z);
  mpz_clear(z);
  return v;
}

std::string integerToString(Value v) {
  if (v.isSmallInt()) return std::to_string(v.asSmallInt());
  mpz_srcptr z = mpzOf(v);
  std::string s(mpz_sizeinbase(z, 10) + 2, '\0');
  mpz_get_str(s.data(), 10, z);
  s.resize(std::strlen(s.c_str()));
  return s;
}

// Shortest round-trip digits; plain notation for 1e-4 <= |d| < 1e16 (always with a
// fractional digit), scientific `d.ddde-N` otherwise; inf, -inf, NaN.
std::string doubleToString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exponent = std::atoi(sci.c_str() + e + 1);
  bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  double mag = std::fabs(d);
  std::string out = negative ? "-" : "";
  if (mag >= 1e-4 && mag < 1e16) {
    if (exponent >= 0) {
      std::string intPart, frac;
      if (int(digits.size()) > exponent + 1) {
        intPart = digits.substr(0, exponent + 1);
        frac = digits.substr(exponent + 1);
      } else {
        intPart = digits + std::string(exponent + 1 - digits.size(), '0');
        frac = "0";
      }
      out += intPart + "." + frac;
    } else {
      out += "0." + std::string(-exponent - 1, '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  out += "e" + std::to_string(exponent);
  return out;
}

static void* gmpAlloc(size_t n) { return heap::allocateAtomic(n); }
static void* gmpRealloc(void* p, size_t, size_t n) { return GC_REALLOC(p, n); }
static void gmpFree(void*, size_t) {}

void initializeNumbers() { mp_set_memory_functions(gmpAlloc, gmpRealloc, gmpFree); }

}  // namespace som
