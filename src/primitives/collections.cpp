// Array, String and Symbol primitives.
#include <cctype>
#include <cstring>

#include "primitives/arith.h"
#include "primitives/registry.h"
#include "primitives/support.h"

namespace som {
namespace {

// --- Array -------------------------------------------------------------------------------------

Value* elementAt(const char* prim, Value arr, Value index) {
  Array* a = asArray(arr);
  if (!index.isSmallInt()) wrongArgument(prim, "an Integer index", index);
  int64_t i = index.asSmallInt();
  if (i < 1 || uint64_t(i) > a->length)
    runtimeError(std::string(prim) + ": index " + std::to_string(i) + " out of bounds for an Array of length " +
                 std::to_string(a->length));
  return &a->elements[i - 1];
}

Value arrayAt(Value* a, Frame*) { return *elementAt("Array>>at:", a[0], a[1]); }
Value arrayAtPut(Value* a, Frame*) {
  *elementAt("Array>>at:put:", a[0], a[1]) = a[2];
  return a[0];
}
Value arrayLength(Value* a, Frame*) { return Value::fromSmallInt(int64_t(asArray(a[0])->length)); }

constexpr int64_t kMaxArrayLength = int64_t(1) << 31;

Value arrayNew(Value* a, Frame*) {
  int64_t n = smallIntArg("Array class>>new:", a[1]);
  if (n < 0) runtimeError("Array class>>new: negative length " + std::to_string(n));
  if (n > kMaxArrayLength) runtimeError("Array class>>new: length " + std::to_string(n) + " is too large");
  Array* arr = newArray(uint64_t(n));
  arr->cls = static_cast<Class*>(a[0].asObject());
  return Value::fromObject(arr);
}

Value arrayCopy(Value* a, Frame*) {
  Array* src = asArray(a[0]);
  Array* dst = newArray(src->length);
  dst->cls = src->cls;
  std::memcpy(dst->elements, src->elements, src->length * sizeof(Value));
  return Value::fromObject(dst);
}

// --- String --------------------------------------------------------------------------------------

String* str(Value v) { return asString(v); }

Value concatenate(Value* a, Frame*) {
  String* x = str(a[0]);
  String* y = stringArg("String>>concatenate:", a[1]);
  std::string s;
  s.reserve(x->length + y->length);
  s.append(x->chars, x->length);
  s.append(y->chars, y->length);
  return newStringValue(s);
}

Value asSymbol(Value* a, Frame*) { return Value::fromObject(intern(str(a[0])->view())); }
Value symbolAsString(Value* a, Frame*) { return newStringValue(str(a[0])->view()); }

Value stringHashcode(Value* a, Frame*) {
  String* s = str(a[0]);
  uint32_t h = s->kind == Kind::Symbol ? s->contentHash : stringHash(s->view());
  return Value::fromSmallInt(h);
}

Value length(Value* a, Frame*) { return Value::fromSmallInt(int64_t(str(a[0])->length)); }

template <class Pred>
Value every(Value v, Pred p) {
  String* s = str(v);
  if (s->length == 0) return U.falseObject;
  for (uint64_t i = 0; i < s->length; i++)
    if (!p(static_cast<unsigned char>(s->chars[i]))) return U.falseObject;
  return U.trueObject;
}
Value isWhiteSpace(Value* a, Frame*) { return every(a[0], [](int c) { return std::isspace(c) != 0; }); }
Value isLetters(Value* a, Frame*) { return every(a[0], [](int c) { return std::isalpha(c) != 0; }); }
Value isDigits(Value* a, Frame*) { return every(a[0], [](int c) { return std::isdigit(c) != 0; }); }

Value stringEquals(Value* a, Frame*) {
  Value b = a[1];
  if (a[0] == b) return U.trueObject;
  if (!isKind(b, Kind::String) && !isKind(b, Kind::Symbol)) return U.falseObject;
  String* x = str(a[0]);
  String* y = str(b);
  // Two distinct Symbols never have equal text.
  if (x->kind == Kind::Symbol && y->kind == Kind::Symbol) return U.falseObject;
  if (x->length != y->length) return U.falseObject;
  // Most comparisons are of one-character strings (parsers); a library call would cost
  // more than the comparison. (Tier 2 inlines this fast path.)
  if (x->length <= arith::kShortStringLength) return boolValue(arith::equalShortStrings(a[0], b, x->length));
  return boolValue(std::memcmp(x->chars, y->chars, x->length) == 0);
}

Value substring(Value* a, Frame*) {
  String* s = str(a[0]);
  int64_t start = smallIntArg("String>>primSubstringFrom:to:", a[1]);
  int64_t end = smallIntArg("String>>primSubstringFrom:to:", a[2]);
  if (end == start - 1 && start >= 1 && uint64_t(start) <= s->length + 1) return newStringValue("");
  if (start < 1 || end > int64_t(s->length) || start > end + 1)
    runtimeError("String>>primSubstringFrom:to: indices " + std::to_string(start) + " to " +
                 std::to_string(end) + " out of bounds for a String of length " + std::to_string(s->length));
  return newStringValue(s->view().substr(uint64_t(start - 1), uint64_t(end - start + 1)));
}

Value charAt(Value* a, Frame*) {
  String* s = str(a[0]);
  int64_t i = smallIntArg("String>>charAt:", a[1]);
  if (i < 1 || uint64_t(i) > s->length)
    runtimeError("String>>charAt: index " + std::to_string(i) + " out of bounds for a String of length " +
                 std::to_string(s->length));
  return newStringValue(s->view().substr(uint64_t(i - 1), 1));
}

Registration collectionPrimitives{
    {"Array", "at:", false, arrayAt, false},
    {"Array", "at:put:", false, arrayAtPut, false},
    {"Array", "length", false, arrayLength, false},
    {"Array", "new:", true, arrayNew, false},
    {"Array", "copy", false, arrayCopy, true},
    {"String", "concatenate:", false, concatenate, false},
    {"String", "asSymbol", false, asSymbol, false},
    {"String", "hashcode", false, stringHashcode, false},
    {"String", "length", false, length, false},
    {"String", "isWhiteSpace", false, isWhiteSpace, false},
    {"String", "isLetters", false, isLetters, false},
    {"String", "isDigits", false, isDigits, false},
    {"String", "=", false, stringEquals, false},
    {"String", "primSubstringFrom:to:", false, substring, false},
    {"String", "charAt:", false, charAt, true},
    {"Symbol", "asString", false, symbolAsString, false},
};

}  // namespace
}  // namespace som
