// Double primitives: IEEE binary64 arithmetic; Integer arguments (any size) are converted.
#include <cmath>
#include <cstdlib>
#include <limits>

#include "primitives/arith.h"
#include "primitives/registry.h"
#include "primitives/support.h"

namespace som {
namespace {

double numberArg(const char* prim, Value v) {
  if (isDouble(v)) return doubleOf(v);
  if (isInteger(v)) return integerToDouble(v);
  wrongArgument(prim, "a number", v);
}

template <class Op>
Value arithmetic(const char* prim, Value* args, Op op) {
  return newDouble(op(doubleOf(args[0]), numberArg(prim, args[1])));
}

Value plus(Value* a, Frame*) { return arithmetic("Double>>+", a, [](double x, double y) { return x + y; }); }
Value minus(Value* a, Frame*) { return arithmetic("Double>>-", a, [](double x, double y) { return x - y; }); }
Value times(Value* a, Frame*) { return arithmetic("Double>>*", a, [](double x, double y) { return x * y; }); }
Value divide(Value* a, Frame*) {
  Value r;
  if (arith::divideImmediateDoubles(a[0], a[1], r)) return r;
  return arithmetic("Double>>//", a, [](double x, double y) { return x / y; });
}
Value modulo(Value* a, Frame*) {
  return arithmetic("Double>>%", a, [](double x, double y) { return std::fmod(x, y); });
}

Value squareRoot(Value* a, Frame*) {
  Value r;
  if (arith::squareRootImmediateDouble(a[0], r)) return r;
  return newDouble(std::sqrt(doubleOf(a[0])));
}
Value cosine(Value* a, Frame*) { return newDouble(std::cos(doubleOf(a[0]))); }
Value sine(Value* a, Frame*) { return newDouble(std::sin(doubleOf(a[0]))); }

Value toInteger(const char* prim, double d) {
  if (std::isnan(d) || std::isinf(d))
    runtimeError(std::string(prim) + ": " + doubleToString(d) + " cannot be represented as an Integer");
  return integerFromDouble(d);
}
Value asInteger(Value* a, Frame*) { return toInteger("Double>>asInteger", doubleOf(a[0])); }
// Halves round away from zero.
Value round(Value* a, Frame*) { return toInteger("Double>>round", std::round(doubleOf(a[0]))); }

// Comparisons follow IEEE (every comparison with NaN is false, except ~=).
template <class Cmp>
Value compare(const char* prim, Value* a, Cmp cmp) {
  Value b = a[1];
  if (isDouble(b)) return boolValue(cmp(doubleOf(a[0]), doubleOf(b)));
  if (isInteger(b)) return boolValue(cmp(doubleOf(a[0]), integerToDouble(b)));
  wrongArgument(prim, "a number", b);
}

Value equals(Value* a, Frame*) {
  if (!isDouble(a[1]) && !isInteger(a[1])) return U.falseObject;
  return compare("Double>>=", a, [](double x, double y) { return x == y; });
}
Value notEquals(Value* a, Frame*) {
  if (!isDouble(a[1]) && !isInteger(a[1])) return U.trueObject;
  return compare("Double>>~=", a, [](double x, double y) { return x != y; });
}
Value lessThan(Value* a, Frame*) { return compare("Double>><", a, [](double x, double y) { return x < y; }); }
Value lessOrEqual(Value* a, Frame*) { return compare("Double>><=", a, [](double x, double y) { return x <= y; }); }
Value greaterThan(Value* a, Frame*) { return compare("Double>>>", a, [](double x, double y) { return x > y; }); }
Value greaterOrEqual(Value* a, Frame*) { return compare("Double>>>=", a, [](double x, double y) { return x >= y; }); }

Value asString(Value* a, Frame*) { return newStringValue(doubleToString(doubleOf(a[0]))); }

Value positiveInfinity(Value*, Frame*) { return newDouble(std::numeric_limits<double>::infinity()); }

Value fromString(Value* a, Frame*) {
  String* s = stringArg("Double class>>fromString:", a[1]);
  const char* begin = s->chars;
  char* end = nullptr;
  double d = std::strtod(begin, &end);
  if (end == begin || size_t(end - begin) != s->length) return newDouble(std::nan(""));
  return newDouble(d);
}

Registration doublePrimitives{
    {"Double", "+", false, plus, false},
    {"Double", "-", false, minus, false},
    {"Double", "*", false, times, false},
    {"Double", "//", false, divide, false},
    {"Double", "%", false, modulo, false},
    {"Double", "sqrt", false, squareRoot, false},
    {"Double", "cos", false, cosine, false},
    {"Double", "sin", false, sine, false},
    {"Double", "asInteger", false, asInteger, false},
    {"Double", "round", false, round, false},
    {"Double", "=", false, equals, false},
    {"Double", "<", false, lessThan, false},
    {"Double", "asString", false, asString, false},
    {"Double", "PositiveInfinity", true, positiveInfinity, false},
    {"Double", "fromString:", true, fromString, false},
    {"Double", "<=", false, lessOrEqual, true},
    {"Double", ">", false, greaterThan, true},
    {"Double", ">=", false, greaterOrEqual, true},
    {"Double", "~=", false, notEquals, true},
    {"Double", "<>", false, notEquals, true},
};

}  // namespace
}  // namespace som
