// Integers (immediate SmallIntegers and GMP LargeIntegers, normalised so that every value
// that fits is small) and Doubles (immediate or boxed), with their text forms.
#pragma once

#include <string>
#include <string_view>

#include "vm/objects.h"
#include "vm/universe.h"

namespace som {

Value newDouble(double d);
inline bool isDouble(Value v) { return v.isImmediateDouble() || isKind(v, Kind::Double); }
inline double doubleOf(Value v) {
  return v.isImmediateDouble() ? v.asImmediateDouble() : static_cast<BoxedDouble*>(v.asObject())->value;
}
inline bool isLargeInt(Value v) { return isKind(v, Kind::LargeInt); }
inline bool isInteger(Value v) { return v.isSmallInt() || isLargeInt(v); }
inline mpz_srcptr mpzOf(Value v) { return static_cast<LargeInt*>(v.asObject())->value; }

Value newInteger(int64_t i);
// Takes ownership of the value in `z` (it is copied); answers a SmallInteger when it fits.
Value normalizedInteger(mpz_srcptr z);
// Loads any Integer value into an initialised mpz.
void toMpz(Value v, mpz_ptr out);
double integerToDouble(Value v);
// Exact conversion of a finite double's integral part (truncated) to an Integer.
Value integerFromDouble(double d);

// Text forms. parseInteger accepts an optional '-' and decimal digits; it answers the
// null Value when the text is not such a number.
Value parseInteger(std::string_view text);
std::string integerToString(Value v);
std::string doubleToString(double d);

void initializeNumbers();

}  // namespace som
