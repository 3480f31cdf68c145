// Block evaluation primitives.
#include "primitives/registry.h"
#include "primitives/support.h"

namespace som {
namespace {

// Evaluates the receiver block with `arity` arguments; a block of another arity does not
// understand the selector (`[] value: 3` is "Method value: not found in class Block1").
Value evaluate(Value* a, Frame* caller, uint16_t arity, Symbol* (*selector)()) {
  auto* b = static_cast<Block*>(a[0].asObject());
  if (b->code->numArgs != arity + 1) return doesNotUnderstand(selector(), a, caller);
  return invokeBlock(b, a, caller);
}

Value value0(Value* a, Frame* c) { return evaluate(a, c, 0, [] { return intern("value"); }); }
Value value1(Value* a, Frame* c) { return evaluate(a, c, 1, [] { return intern("value:"); }); }
Value value2(Value* a, Frame* c) { return evaluate(a, c, 2, [] { return intern("value:with:"); }); }

// Restarts the activation that sent #restart (the library's whileTrue: loop).
Value restart(Value*, Frame* caller) {
  U.restartRequested = true;
  U.unwindTarget = caller;
  return Value();
}

Registration blockPrimitives{
    {"Block", "value", false, value0, false},
    {"Block", "restart", false, restart, false},
    {"Block1", "value", false, value0, false},
    {"Block2", "value:", false, value1, false},
    {"Block3", "value:with:", false, value2, false},
};

}  // namespace

PrimitiveFn blockEvaluation(unsigned arity) {
  switch (arity) {
    case 0: return value0;
    case 1: return value1;
    case 2: return value2;
    default: return nullptr;
  }
}

}  // namespace som
