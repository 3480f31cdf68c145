// The one frame layout, shared by the interpreter and (later) both compiled tiers.
//
// An activation's words live on the VM stack (Universe::stackBase..stackLimit):
//
//   slots[0]                  self (for blocks: the home method's self)
//   slots[1 .. numArgs-1]     arguments, pushed by the caller: they are the caller's top
//                             operand-stack words, so a send copies nothing
//   slots[numArgs ..]         locals (nil at entry), hidden loop temporaries
//   then the operand stack    at most method->maxStack words
//
// The Frame record itself (links, method, saved ip, context) lives on the native stack of
// the code running the activation: each SOM activation is one native activation of the
// interpreter (or of compiled code). The saved ip and the slots are everything needed to
// resume the activation at a bytecode boundary in any tier.
#pragma once

#include "vm/objects.h"

namespace som {

struct Frame {
  Frame* caller;
  Method* method;
  Value* slots;
  const uint8_t* ip;  // the bytecode being executed (valid while the frame calls out)
  Context* context;   // own context, or the block's outer one (borrowed), or nullptr
  Block* closure;     // block activations: the block being evaluated

  Value self() const { return slots[0]; }
  // The method whose lexical scope this activation belongs to (blocks: the outermost).
  Method* homeMethod() const {
    Method* m = method;
    while (m->outerMethod) m = m->outerMethod;
    return m;
  }
};

}  // namespace som
