// Trivial methods: getters (`x = ( ^x )`), setters (`x: v = ( x := v )`), and methods that
// answer self or a constant. The compiler recognises them from their bytecode; send sites
// answer them without building an activation. Their meaning is still the bytecode's:
// recogniseTrivial() only accepts sequences whose effect is exactly the operation performed.
#pragma once

#include "interp/bytecodes.h"
#include "vm/universe.h"

namespace som {

enum TrivialKind : uint8_t { kNotTrivial = 0, kGetter, kSetter, kReturnsSelf, kReturnsConstant };

inline void recogniseTrivial(Method* m) {
  const uint8_t* c = m->code;
  uint32_t n = m->codeLength;
  if (m->isBlock() || (m->flags & kOwnsContext)) return;
  if (n == 3 && c[0] == BC_PUSH_FIELD && c[2] == BC_RETURN_LOCAL && m->numArgs == 1) {
    m->trivialKind = kGetter;
    m->trivialOperand = c[1];
  } else if (n == 5 && c[0] == BC_PUSH_SLOT && c[1] == 1 && c[2] == BC_POP_FIELD &&
             c[4] == BC_RETURN_SELF && m->numArgs == 2) {
    m->trivialKind = kSetter;
    m->trivialOperand = c[3];
  } else if (n == 1 && c[0] == BC_RETURN_SELF) {
    m->trivialKind = kReturnsSelf;
  } else if (n == 4 && c[0] == BC_PUSH_CONST && c[3] == BC_RETURN_LOCAL) {
    m->trivialKind = kReturnsConstant;
    m->trivialConstant = m->literals[readU16(c + 1)];
  } else if (n == 2 && c[1] == BC_RETURN_LOCAL &&
             (c[0] == BC_PUSH_NIL || c[0] == BC_PUSH_TRUE || c[0] == BC_PUSH_FALSE ||
              c[0] == BC_PUSH_0 || c[0] == BC_PUSH_1)) {
    m->trivialKind = kReturnsConstant;
    m->trivialConstant = c[0] == BC_PUSH_0      ? Value::fromSmallInt(0)
                         : c[0] == BC_PUSH_1    ? Value::fromSmallInt(1)
                         : c[0] == BC_PUSH_TRUE ? U.trueObject
                         : c[0] == BC_PUSH_FALSE ? U.falseObject
                                                 : U.nil;
  }
}

}  // namespace som

namespace som {

// The result of a trivial method for the receiver and arguments at args.
inline Value answerTrivial(const Method* m, Value* args) {
  switch (m->trivialKind) {
    case kGetter: return args[0].asObject()->fieldWords()[m->trivialOperand];
    case kSetter: args[0].asObject()->fieldWords()[m->trivialOperand] = args[1]; return args[0];
    case kReturnsSelf: return args[0];
    default: return m->trivialConstant;
  }
}

}  // namespace som
