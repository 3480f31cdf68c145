// The Interp mode: the execution mode in which the definition (interp/handlers.h) runs as
// the interpreter. The interpreter keeps an Interp in registers; tier-1 code keeps one in
// its native frame and calls the handlers' Interp instantiations with a pointer to it.
#pragma once

#include "interp/handlers.h"
#include "interp/interpreter.h"
#include "interp/trivial.h"
#include "vm/universe.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace som {

Method* fillCache(InlineCache& c, Class* cls, Symbol* sel);
// Slow paths take the interpreter state by value (and answer the new stack pointer) so
// that the Interp object never escapes and ip/sp stay in registers.
__attribute__((noinline)) Value* superSendSlow(Frame* f, Value* sp, const uint8_t* ip, unsigned lit,
                                              unsigned ic);
__attribute__((noinline)) Value* unknownGlobalSlow(Frame* f, Value* sp, const uint8_t* ip, Symbol* name);
[[noreturn]] __attribute__((noinline)) void nonBooleanSlow(Frame* f, const uint8_t* ip, Value v);

struct Interp : arith::ConcreteOps {
  Frame* f;
  Value* sp;
  const uint8_t* ip;
  Value* slots;           // f->slots, constant during the activation
  const Value* literals;  // f->method->literals, likewise

  SOM_INLINE void push(Value v) { *sp++ = v; }
  SOM_INLINE Value pop() { return *--sp; }
  SOM_INLINE Value peek(int n) const { return sp[-1 - n]; }
  SOM_INLINE void drop(int n) { sp -= n; }
  SOM_INLINE Value& slot(unsigned i) { return slots[i]; }
  SOM_INLINE Context* context(unsigned level) {
    Context* c = f->context;
    while (level--) c = c->outer;
    return c;
  }
  SOM_INLINE Value literal(unsigned i) const { return literals[i]; }
  SOM_INLINE Frame* frame() const { return f; }
  SOM_INLINE static bool guard(bool c) { return c; }
  SOM_INLINE static constexpr bool expectsDoubles(unsigned) { return false; }
  SOM_INLINE static void storeIndexed(V base, V index, int32_t offset, V value) {
    *reinterpret_cast<Value*>(base.raw() + offset + 8 * index.raw()) = value;
  }
  // Jump distances are relative to the end of the jump instruction (3 bytes).
  SOM_INLINE void jump(unsigned off) { ip += off; }
  SOM_INLINE void jumpBack(unsigned off) { ip -= off; }

  SOM_INLINE void send(unsigned lit, unsigned ic) {
    Symbol* sel = asString(literals[lit]);
    Value* args = sp - sel->numArgs - 1;
    Class* cls = classOf(args[0]);
    InlineCache& c = f->method->caches[ic];
    Method* target = LIKELY(c.cls == cls) ? c.target : fillCache(c, cls, sel);
    f->ip = ip;
    Value r;
    if (UNLIKELY(target == nullptr)) r = doesNotUnderstand(sel, args, f);
    else if (target->trivialKind) r = answerTrivial(target, args);
    else if (target->native) r = target->native(args, f);
    else r = invoke(target, args, f);
    sp = args + 1;
    sp[-1] = r;
  }

  SOM_INLINE void superSend(unsigned lit, unsigned ic) { sp = superSendSlow(f, sp, ip, lit, ic); }
  SOM_INLINE void unknownGlobal(Symbol* name) { sp = unknownGlobalSlow(f, sp, ip, name); }
  [[noreturn]] SOM_INLINE void nonBoolean(Value v) { nonBooleanSlow(f, ip, v); }
};

// Gives an activation whose method owns a context its own (the outer one, if any, is in
// frame.context), copying the captured arguments into it.
void openContext(Frame& frame);

// `^ value` in a block (the value is on top of the stack): starts unwinding to the home
// method's activation (answers null), or sends escapedBlock: when that activation is gone
// (answers its result, which the block activation returns).
Value returnNonLocal(Frame& frame, Value* sp, unsigned level);

// What an activation does when a call it made answered null (unwinding).
enum class Unwind { Propagate, Return, Restart };
Unwind onUnwind(Frame& frame, Value& result);

// Ends an activation (any tier): its context no longer has a live frame.
SOM_INLINE void leave(Frame& f) {
  if (f.method->flags & kOwnsContext) f.context->frame = nullptr;
  U.currentFrame = f.caller;
  U.depth--;
}

}  // namespace som
