// The interpreter: the Interp instantiation of interp/handlers.h, threaded with computed
// goto. One native activation of interpret() per SOM activation.
#include "interp/interpreter.h"

#include <cstdio>
#include <cstdlib>

#include "interp/interp_mode.h"
#include "jit/tier1/tier1.h"
#include "jit/tier2/tier2.h"
#include "vm/classes.h"
#include "vm/universe.h"


namespace som {


[[noreturn]] static void missingPrimitive(Method* m);
static Value activate(Method* m, Value* args, Frame* caller, Context* outer, Block* closure,
                      const ResumePoint* at = nullptr);

Array* copyLiteralArray(Array* literal) {
  Array* a = newArray(literal->length);
  for (uint64_t i = 0; i < literal->length; i++) {
    Value e = literal->elements[i];
    a->elements[i] = isKind(e, Kind::Array) ? Value::fromObject(copyLiteralArray(asArray(e))) : e;
  }
  return a;
}

// A miss in the first entry: try the second, else look up and refill (the newest class
// goes first; the displaced entry moves second), unless the site is megamorphic.
Method* fillCache(InlineCache& c, Class* cls, Symbol* sel) {
  if (c.cls2 == cls) return c.target2;
  Method* m = lookup(cls, sel);
  if (m && c.fills < kMaxCacheFills) {
    c.fills++;
    c.cls2 = c.cls;
    c.target2 = c.target;
    c.cls = cls;
    c.target = m;
  }
  return m;
}

static Value activateTraced(Method* m, Value* args, Frame* caller);

Value invoke(Method* m, Value* args, Frame* caller) {
  if (m->native) return m->native(args, caller);
  if (m->tier1Direct) return reinterpret_cast<tier1::Direct>(m->tier1Direct)(caller, args);
  if (UNLIKELY(m->isPrimitive())) missingPrimitive(m);
  if (m->tier2EntryCode && !m->tier1Code && U.tier1Threshold == UINT32_MAX) return activateTraced(m, args, caller);
  return activate(m, args, caller, nullptr, nullptr);
}

Value invokeBlock(Block* b, Value* args, Frame* caller) {
  if (b->code->tier1Direct) return reinterpret_cast<tier1::Direct>(b->code->tier1Direct)(caller, args);
  args[0] = b->self;
  return activate(b->code, args, caller, b->outer, b);
}

Value doesNotUnderstand(Symbol* sel, Value* args, Frame* caller) {
  uint32_t argc = sel->numArgs;
  Array* arr = newArray(argc);
  for (uint32_t i = 0; i < argc; i++) arr->elements[i] = args[i + 1];
  Class* cls = classOf(args[0]);
  Method* dnu = lookup(cls, U.symDoesNotUnderstand);
  if (!dnu)
    runtimeError("Method " + std::string(sel->view()) + " not found in class " + className(cls) +
                 " (and doesNotUnderstand:arguments: is not understood either)");
  args[1] = Value::fromObject(sel);
  args[2] = Value::fromObject(arr);
  return invoke(dnu, args, caller);
}

Value send(Symbol* sel, Value* args, Frame* caller) {
  Method* m = lookup(classOf(args[0]), sel);
  if (!m) return doesNotUnderstand(sel, args, caller);
  return invoke(m, args, caller);
}

Value sendFromNative(Value* top, Frame* caller, Symbol* sel, Value receiver,
                     std::initializer_list<Value> args) {
  if (top + args.size() + 4 >= U.stackLimit) stackOverflow(caller);
  if (top + args.size() + 4 > U.stackHighWater) U.stackHighWater = top + args.size() + 4;
  top[0] = receiver;
  size_t i = 1;
  for (Value a : args) top[i++] = a;
  return send(sel, top, caller);
}

void openContext(Frame& frame) {
  Method* m = frame.method;
  Context* c = newContext(m->numContextVars, frame.context, &frame);
  for (unsigned i = 0; i < m->numCapturedArgs; i++)
    c->vars[m->capturedArgs[2 * i + 1]] = frame.slots[m->capturedArgs[2 * i]];
  frame.context = c;
}

// --- returns and unwinding, shared by every tier ----------------------------------------

Value returnNonLocal(Frame& frame, Value* sp, unsigned level) {
  Value v = sp[-1];
  Context* home = frame.context;
  while (level--) home = home->outer;
  if (home->frame == nullptr) {
    // The home method has returned: the block has escaped.
    return sendFromNative(sp, &frame, U.symEscapedBlock, frame.slots[0],
                          {Value::fromObject(frame.closure)});
  }
  U.unwindTarget = home->frame;
  U.unwindValue = v;
  return Value();
}

Unwind onUnwind(Frame& frame, Value& result) {
  if (U.unwindTarget != &frame) return Unwind::Propagate;
  U.unwindTarget = nullptr;
  if (U.restartRequested) {
    U.restartRequested = false;
    return Unwind::Restart;
  }
  result = U.unwindValue;
  U.unwindValue = Value();
  return Unwind::Return;
}

// --- slow paths of the Interp mode ---------------------------------------------------------

// Slow paths take the interpreter state by value (and answer the new stack pointer) so
// that the Interp object never escapes and ip/sp stay in registers.
Value* superSendSlow(Frame* f, Value* sp, const uint8_t* ip, unsigned lit,
                                              unsigned ic) {
  Method* cm = f->method;
  Symbol* sel = asString(cm->literals[lit]);
  Value* args = sp - sel->numArgs - 1;
  InlineCache& c = cm->caches[ic];
  Method* target = c.target;
  if (!target) {
    Class* holder = f->homeMethod()->holder;
    Class* start = holder ? holder->superclass : nullptr;
    target = start ? lookup(start, sel) : nullptr;
    if (target) c = {start, target, nullptr, nullptr, 1};
  }
  f->ip = ip;
  Value r = target ? invoke(target, args, f) : doesNotUnderstand(sel, args, f);
  args[0] = r;
  return args + 1;
}

Value* unknownGlobalSlow(Frame* f, Value* sp, const uint8_t* ip, Symbol* name) {
  f->ip = ip;
  *sp = sendFromNative(sp, f, U.symUnknownGlobal, f->slots[0], {Value::fromObject(name)});
  return sp + 1;
}

[[noreturn]] void nonBooleanSlow(Frame* f, const uint8_t* ip, Value v) {
  f->ip = ip;
  runtimeError("a conditional expected a Boolean but got an instance of " + className(classOf(v)));
}

// One native activation per SOM activation: sets up the frame, then dispatches.
Value resume(const ResumePoint& at, Frame* caller) {
  return activate(at.method, at.slots, caller, at.closure ? at.closure->outer : nullptr, at.closure, &at);
}

// Begins an activation (any entry): links and checks its frame, nils its locals and opens
// its context (or, resuming `at`, adopts the context it had), and makes it current.
// Answers the top of its empty operand stack.
SOM_INLINE Value* openFrame(Frame& frame, Method* m, Value* args, Frame* caller, Context* outer, Block* closure,
                            const ResumePoint* at) {
  frame.caller = caller;
  frame.method = m;
  frame.slots = args;
  frame.ip = m->code;
  frame.context = outer;
  frame.closure = closure;
  Value* locals = args + m->numArgs;
  Value* sp = locals + m->numLocals;
  Value* end = sp + m->maxStack;
  if (UNLIKELY(end >= U.stackLimit || U.depth >= U.options.maxStackDepth ||
               static_cast<char*>(__builtin_frame_address(0)) < U.nativeStackLimit))
    stackOverflow(&frame);
  if (end > U.stackHighWater) U.stackHighWater = end;
  if (LIKELY(at == nullptr)) {
    for (Value* p = locals; p < sp; p++) *p = U.nil;
    if (m->flags & kOwnsContext) openContext(frame);
  } else {
    if (at->context) {
      frame.context = at->context;
      at->context->frame = &frame;
    }
    if (UNLIKELY(at->replaces != nullptr) && U.unwindTarget == at->replaces) U.unwindTarget = &frame;
  }
  U.depth++;
  U.currentFrame = &frame;
  return sp;
}

// A method whose entry has a trace, and no tier-1 code (--jit=tier2): a lean activation
// runs the trace. Once the trace's exits have side traces it ends at the method's return,
// and then no interpreter activation is needed; otherwise one resumes where it left off.
static Value activateTraced(Method* m, Value* args, Frame* caller) {
  Frame frame;
  Value* sp = openFrame(frame, m, args, caller, nullptr, nullptr, nullptr);
  const uint8_t* ip = m->code;
  bool unwinding = false;
  Value returned;
  tier2::onEntry(frame, ip, sp, unwinding, &returned);
  leave(frame);
  if (!returned.isNull()) return returned;
  ResumePoint at{m, args, ip, sp, nullptr, unwinding, nullptr, frame.context, &frame};
  return activate(m, args, caller, nullptr, nullptr, &at);
}

static Value activate(Method* m_, Value* args, Frame* caller, Context* outer, Block* closure,
                      const ResumePoint* at) {
  Method* m = m_;
  Frame frame;
  Value* sp = openFrame(frame, m, args, caller, outer, closure, at);
  // A hot method's entry trace first (tier 2), then its tier-1 code, from where the
  // trace left off.
  const uint8_t* startIp = frame.ip;
  bool unwindAtStart = false, traced = false;
  if (at == nullptr && UNLIKELY(m->invocationCount >= U.entryThreshold) && !(m->flags & kNoEntryTrace)) {
    Value returned;
    traced = tier2::onEntry(frame, startIp, sp, unwindAtStart, &returned);
    if (!returned.isNull()) {
      leave(frame);
      return returned;
    }
  }
  if (at == nullptr && !unwindAtStart &&
      (m->tier1Code || (++m->invocationCount >= U.tier1Threshold && tier1::compile(m)))) {
    const void* resumeAt = traced ? tier1::loopEntry(m, startIp) : nullptr;
    if (!traced || resumeAt) {
      Value r = tier1::enter(frame, sp, resumeAt);
      leave(frame);
      return r;
    }
  }
  Interp i{{}, &frame, sp, startIp, args, m->literals};
#define m i
  static void* const labels[] = {
#define BC(name, len, effect, kind, tier1) &&L_##name,
#include "interp/bytecodes.def"
#undef BC
  };
#ifdef TWOSOM_COUNT_BYTECODES
#define DISPATCH()            \
  do {                        \
    U.bytecodesExecuted++;    \
    goto* labels[*m.ip];      \
  } while (0)
#else
#define DISPATCH() goto* labels[*m.ip]
#endif
#define NEXT(len) \
  m.ip += len;    \
  DISPATCH()
#define U8(n) m.ip[n]
#define U16(n) readU16(m.ip + n)
#define CHECK_UNWIND() \
  if (UNLIKELY(m.sp[-1].isNull())) goto unwind

  if (UNLIKELY(at != nullptr)) goto resumeAt;
  if (UNLIKELY(unwindAtStart)) goto unwind;
  DISPATCH();

resumeAt:
  // (A tier-2 exit.) Continue at `at`, completing the send it is in the middle of first.
  m.ip = at->ip;
  m.sp = at->sp;
  if (at->unwinding) goto unwind;
  if (at->inner) {
    Value r = resume(*at->inner, &frame);
    m.sp = at->inner->slots + 1;
    m.sp[-1] = r;
    m.ip += kBytecodes[*m.ip].length;
    CHECK_UNWIND();
  }
  DISPATCH();

L_PUSH_SLOT: op::PUSH_SLOT(m, U8(1)); NEXT(2);
L_PUSH_SELF: op::PUSH_SELF(m); NEXT(1);
L_PUSH_CTX: op::PUSH_CTX(m, U8(1), U8(2)); NEXT(3);
L_PUSH_FIELD: op::PUSH_FIELD(m, U8(1)); NEXT(2);
L_PUSH_CONST: op::PUSH_CONST(m, U16(1)); NEXT(3);
L_PUSH_GLOBAL: op::PUSH_GLOBAL(m, U16(1)); CHECK_UNWIND(); NEXT(3);
L_PUSH_BLOCK: op::PUSH_BLOCK(m, U16(1)); NEXT(3);
L_PUSH_ARRAY_LIT: op::PUSH_ARRAY_LIT(m, U16(1)); NEXT(3);
L_PUSH_NIL: op::PUSH_NIL(m); NEXT(1);
L_PUSH_TRUE: op::PUSH_TRUE(m); NEXT(1);
L_PUSH_FALSE: op::PUSH_FALSE(m); NEXT(1);
L_PUSH_0: op::PUSH_0(m); NEXT(1);
L_PUSH_1: op::PUSH_1(m); NEXT(1);
L_POP: op::POP(m); NEXT(1);
L_DUP: op::DUP(m); NEXT(1);
L_POP_SLOT: op::POP_SLOT(m, U8(1)); NEXT(2);
L_POP_CTX: op::POP_CTX(m, U8(1), U8(2)); NEXT(3);
L_POP_FIELD: op::POP_FIELD(m, U8(1)); NEXT(2);
L_SEND: op::SEND(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_SUPER_SEND: op::SUPER_SEND(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_ADD: op::ADD(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_SUB: op::SUB(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_MUL: op::MUL(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_LT: op::LT(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_LE: op::LE(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_GT: op::GT(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_GE: op::GE(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_EQ: op::EQ(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_AT: op::AT(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_AT_PUT: op::AT_PUT(m, U16(1), U16(3)); CHECK_UNWIND(); NEXT(5);
L_JUMP: m.ip += 3; op::JUMP(m, U16(-2)); DISPATCH();
L_JUMP_IF_TRUE: m.ip += 3; op::JUMP_IF_TRUE(m, U16(-2)); DISPATCH();
L_JUMP_IF_FALSE: m.ip += 3; op::JUMP_IF_FALSE(m, U16(-2)); DISPATCH();
L_JUMP_IF_NIL: m.ip += 3; op::JUMP_IF_NIL(m, U16(-2)); DISPATCH();
L_JUMP_IF_NOT_NIL: m.ip += 3; op::JUMP_IF_NOT_NIL(m, U16(-2)); DISPATCH();
L_JUMP_BACK:
  m.ip += 3;
  op::JUMP_BACK(m, U16(-2));
  if (UNLIKELY(++frame.method->invocationCount >= U.loopThreshold)) goto L_JUMP_BACK_HOT;
  DISPATCH();
L_RETURN_LOCAL: {
  Value v = m.pop();
  leave(frame);
  return v;
}
L_RETURN_SELF: {
  Value v = frame.slots[0];
  leave(frame);
  return v;
}
L_RETURN_NONLOCAL: {
  frame.ip = m.ip;
  Value r = returnNonLocal(frame, m.sp, U8(1));
  leave(frame);
  return r;
}
L_JUMP_BACK_HOT:
  // A hot loop: tier 2 runs its trace or records one; or, when the method has (or now
  // gets) tier-1 code, continue there.
  if (tier2::enabled()) {
    // (Copies: passing m.ip and m.sp by reference would keep them out of registers in
    // the whole interpreter loop.)
    const uint8_t* ip = m.ip;
    Value* sp = m.sp;
    bool unwinding;
    if (tier2::onBackEdge(frame, ip, sp, unwinding)) {
      m.ip = ip;
      m.sp = sp;
      if (unwinding) goto unwind;
      DISPATCH();
    }
  }
  if (frame.method->invocationCount < U.tier1Threshold) DISPATCH();
  if (const void* entry = tier1::loopEntry(frame.method, m.ip)) {
    Value r = tier1::enter(frame, m.sp, entry);
    leave(frame);
    return r;
  }
  DISPATCH();

unwind: {
  Value v;
  switch (onUnwind(frame, v)) {
    case Unwind::Restart:
      m.ip = frame.method->code;
      m.sp = frame.slots + frame.method->numArgs + frame.method->numLocals;
      DISPATCH();
    case Unwind::Return:
      leave(frame);
      return v;
    case Unwind::Propagate:
      break;
  }
  leave(frame);
  return Value();
}
#undef DISPATCH
#undef NEXT
#undef U8
#undef U16
#undef CHECK_UNWIND
#undef m
}

// --- errors ------------------------------------------------------------------------------

static int lineOf(Frame* f) {
  Method* m = f->method;
  if (!m->lineTable || !f->ip || !m->code) return 0;
  uint32_t offset = uint32_t(f->ip - m->code);
  int line = 0;
  for (uint32_t i = 0; i + 1 < m->lineTableLength; i += 2) {
    if (m->lineTable[i] > offset) break;
    line = int(m->lineTable[i + 1]);
  }
  return line;
}

static void printFrame(Frame* f) {
  Method* home = f->homeMethod();
  std::string holder = home->holder ? className(home->holder) : "?";
  std::fprintf(stderr, "  %s>>#%s%s", holder.c_str(), std::string(home->signature->view()).c_str(),
               f->closure ? " [block]" : "");
  int line = lineOf(f);
  if (f->method->sourceFile)
    std::fprintf(stderr, " (%s:%d)", f->method->sourceFile->chars, line);
  std::fputc('\n', stderr);
}

void printBacktrace(Frame* top) {
  std::vector<Frame*> frames;
  for (Frame* f = top; f; f = f->caller) frames.push_back(f);
  std::fprintf(stderr, "Traceback (most recent call first):\n");
  const size_t head = 25, tail = 10;
  for (size_t i = 0; i < frames.size(); i++) {
    if (frames.size() > head + tail && i == head) {
      std::fprintf(stderr, "  ... %zu more frames ...\n", frames.size() - head - tail);
      i = frames.size() - tail;
    }
    printFrame(frames[i]);
  }
}

static void (*exitHook)() = nullptr;
void onExit(void (*hook)()) { exitHook = hook; }

void exitVM(int status) {
  std::fflush(stdout);
  if (exitHook) exitHook();
  std::fflush(stderr);
  std::_Exit(status);
}

void runtimeError(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "Runtime error: %s\n", message.c_str());
  printBacktrace(U.currentFrame);
  exitVM(1);
}

void fatalError(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", message.c_str());
  exitVM(1);
}

void stackOverflow(Frame* f) {
  std::fflush(stdout);
  std::fprintf(stderr, "Runtime error: stack overflow (%zu nested activations)\n", U.depth);
  printBacktrace(f->caller);
  exitVM(1);
}

static void missingPrimitive(Method* m) {
  runtimeError("primitive " + className(m->holder) + ">>#" + std::string(m->signature->view()) +
               " is not implemented by this VM");
}

}  // namespace som
