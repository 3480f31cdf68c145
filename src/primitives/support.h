// Small helpers shared by the primitive files: argument checks with SOM-level errors.
#pragma once

#include <string>

#include "interp/interpreter.h"
#include "vm/numbers.h"
#include "vm/universe.h"

namespace som {

inline std::string typeName(Value v) { return className(classOf(v)); }

[[noreturn]] inline void wrongArgument(const char* prim, const char* expected, Value got) {
  runtimeError(std::string(prim) + ": expected " + expected + " but got an instance of " +
               typeName(got));
}

inline String* stringArg(const char* prim, Value v) {
  if (!isKind(v, Kind::String) && !isKind(v, Kind::Symbol)) wrongArgument(prim, "a String", v);
  return asString(v);
}

inline Symbol* symbolArg(const char* prim, Value v) {
  if (!isKind(v, Kind::Symbol)) wrongArgument(prim, "a Symbol", v);
  return asString(v);
}

inline Array* arrayArg(const char* prim, Value v) {
  if (!isKind(v, Kind::Array)) wrongArgument(prim, "an Array", v);
  return asArray(v);
}

inline int64_t smallIntArg(const char* prim, Value v) {
  if (!v.isSmallInt()) wrongArgument(prim, "an Integer", v);
  return v.asSmallInt();
}

inline Value newStringValue(std::string_view s) { return Value::fromObject(newString(s)); }

}  // namespace som
