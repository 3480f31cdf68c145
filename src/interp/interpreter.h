// Invocation and the interpreter: the Interp-mode instantiation of the definition in
// interp/handlers.h, dispatched with computed goto.
#pragma once

#include <initializer_list>
#include <string>

#include "interp/frame.h"
#include "vm/objects.h"

namespace som {

// Runs `m` with receiver and arguments at args[0..numArgs). The words from args on are
// the top of the VM stack. Answers the result, or the null Value while unwinding.
Value invoke(Method* m, Value* args, Frame* caller);
// Evaluates a block; args[0] is the block itself, args[1..] its arguments.
Value invokeBlock(Block* b, Value* args, Frame* caller);

// An activation to continue in the middle (a tier-2 exit from an inlined call): its
// method or block code (no context of its own), its slots (already on the VM stack), the
// bytecode to continue at and the operand stack top. When `inner` is set, ip is a send
// whose callee is `inner`: that activation is resumed first, and its result completes
// the send. `unwinding`: the bytecode before ip was a send that answered the unwind
// marker (on top of the stack), and the activation takes part in the unwinding at once.
struct ResumePoint {
  Method* method;
  Value* slots;
  const uint8_t* ip;
  Value* sp;
  const ResumePoint* inner;
  bool unwinding = false;
  Block* closure = nullptr;  // a block activation: the block (its outer context and self)
  Context* context = nullptr;  // an activation that owns a context: it (made by a trace)
  // The frame of the activation until now, if it had one (a lean activation that ran an
  // entry trace): an unwinding aimed at it is aimed at the resumed one.
  const Frame* replaces = nullptr;
};
// Resumes `at` as a callee of `caller`; answers like invoke().
Value resume(const ResumePoint& at, Frame* caller);
// A full send (global lookup, doesNotUnderstand:arguments: when not understood).
Value send(Symbol* selector, Value* args, Frame* caller);
// The same from native code: places receiver and arguments at `stackTop` first.
Value sendFromNative(Value* stackTop, Frame* caller, Symbol* selector, Value receiver,
                     std::initializer_list<Value> args);
// Sends doesNotUnderstand:arguments: for a failed lookup of `selector` (args as for send).
Value doesNotUnderstand(Symbol* selector, Value* args, Frame* caller);
// The first free VM stack word above a primitive's arguments.
inline Value* stackTopAfter(Value* args, Method* prim) { return args + prim->numArgs; }

// Fatal errors: print the message (and, for runtime errors, a SOM backtrace) to stderr,
// flush stdout, and exit with status 1.
[[noreturn]] void runtimeError(const std::string& message);
[[noreturn]] void fatalError(const std::string& message);
void printBacktrace(Frame* f);
// Reports a stack overflow in the activation `f` (already linked to its caller).
[[noreturn]] void stackOverflow(Frame* f);

// Every exit of the VM goes here: flushes output, runs the exit hook (--stats), exits.
void onExit(void (*hook)());
[[noreturn]] void exitVM(int status);

}  // namespace som
