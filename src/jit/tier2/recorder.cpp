#include "jit/tier2/recorder.h"

#include <cstddef>
#include <set>
#include <string>
#include <unordered_map>

#include "interp/bytecodes.h"
#include "interp/interp_mode.h"
#include "interp/trivial.h"
#include "jit/tier1/runtime.h"
#include "jit/tier2/params.h"
#include "jit/tier2/record_mode.h"
#include "primitives/registry.h"
#include "vm/classes.h"

// Object layouts use single inheritance from Object; their field offsets are read here.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"

namespace som::tier2 {

namespace {

Context* ownedContext(const Frame& f) { return (f.method->flags & kOwnsContext) ? f.context : nullptr; }

// Primitives a trace may call: they run no SOM code, never unwind, and read nothing of
// the caller's frame (an error ends the program, as it would anyway).
bool isLeafPrimitive(Method* m) {
  static const std::set<std::pair<std::string, std::string>> leaf = {
      {"Integer", "+"}, {"Integer", "-"}, {"Integer", "*"}, {"Integer", "/"}, {"Integer", "//"},
      {"Integer", "%"}, {"Integer", "rem:"}, {"Integer", "&"}, {"Integer", "bitOr:"},
      {"Integer", "bitXor:"}, {"Integer", "<<"}, {"Integer", ">>>"}, {"Integer", "sqrt"},
      {"Integer", "="}, {"Integer", "<"}, {"Integer", "<="}, {"Integer", ">"}, {"Integer", ">="},
      {"Integer", "~="}, {"Integer", "<>"}, {"Integer", "abs"}, {"Integer", "asDouble"},
      {"Integer", "asString"}, {"Integer", "max:"}, {"Integer", "min:"},
      {"Double", "+"}, {"Double", "-"}, {"Double", "*"}, {"Double", "//"}, {"Double", "%"},
      {"Double", "sqrt"}, {"Double", "cos"}, {"Double", "sin"}, {"Double", "asInteger"},
      {"Double", "round"}, {"Double", "="}, {"Double", "<"}, {"Double", "<="}, {"Double", ">"},
      {"Double", ">="}, {"Double", "~="}, {"Double", "<>"}, {"Double", "abs"},
      {"Array", "at:"}, {"Array", "at:put:"}, {"Array", "length"}, {"Array class", "new:"},
      {"String", "length"}, {"String", "charAt:"}, {"String", "="}, {"String", "hashcode"},
      {"String", "primSubstringFrom:to:"}, {"Class", "new"},
      {"String", "concatenate:"}, {"String", "asSymbol"}, {"String", "isWhiteSpace"},
      {"String", "isLetters"}, {"String", "isDigits"},
      {"Object", "=="}, {"Object", "class"}, {"Object", "hashcode"}, {"Object", "identityHash"},
  };
  static std::unordered_map<Method*, bool> known;
  auto it = known.find(m);
  if (it != known.end()) return it->second;
  bool isLeaf = m->native && leaf.count({className(m->holder), std::string(m->signature->view())});
  known.emplace(m, isLeaf);
  return isLeaf;
}

// Whether a method sends value, value:, ... (it evaluates a block it was given).
bool evaluatesBlocks(const Method* m) {
  for (const uint8_t* p = m->code; p < m->code + m->codeLength; p += kBytecodes[*p].length)
    if (*p == BC_SEND && asString(m->literals[readU16(p + 1)])->view().starts_with("value")) return true;
  return false;
}
}  // namespace

Recorder::Recorder(Frame& frame, const uint8_t* start, Value* sp, const uint8_t* ownHeader, CanLink canLink)
    : header_(ownHeader), canLink_(std::move(canLink)), ip_(start), sp_(sp) {
  levels_.push_back({&frame, 0, nullptr});
  cover(frame.method->frameSize());
  headerDepth_ = depth(cur());
  if (header_) {  // the loop's extent: up to its last back edge
    Method* m = frame.method;
    for (const uint8_t* p = m->code; p < m->code + m->codeLength; p += kBytecodes[*p].length)
      if (*p == BC_JUMP_BACK && p + 3 - readU16(p + 1) == header_ && p > loopEnd_) loopEnd_ = p;
  }
}

Recorder::Recorder(Frame& frame, const Snapshot& exit, const uint64_t* closures, const uint64_t* contexts,
                   CanLink canLink)
    : Recorder(frame, frame.method->code + exit.frames[0].pc,
               frame.slots + frame.method->numArgs + frame.method->numLocals + exit.frames[0].depth, nullptr,
               std::move(canLink)) {
  for (size_t k = 1; k < exit.frames.size(); k++) {
    const SnapFrame& f = exit.frames[k];
    Level& caller = cur();
    Value* slots = outerSlots() + f.base;
    IrRef closure = kNoRef;
    Block* block = nullptr;
    if (f.closure != kNoRef) {  // the exit stub left the block beside the trace
      block = reinterpret_cast<Block*>(closures[k]);
      closure = trace_.emit(IrOp::LOAD, trace_.konst(reinterpret_cast<uint64_t>(closures + k)), kNoRef, kNoRef, 0);
    }
    auto callee = std::make_unique<Frame>(
        Frame{caller.frame, f.method, slots, f.method->code + f.pc, block ? block->outer : nullptr, block});
    IrRef context = kNoRef;
    if (f.context != kNoRef) {  // and the activation's own context
      callee->context = reinterpret_cast<Context*>(contexts[k]);
      callee->context->frame = callee.get();
      context = trace_.emit(IrOp::LOAD, trace_.konst(reinterpret_cast<uint64_t>(contexts + k)), kNoRef, kNoRef, 0);
    }
    caller.frame->ip = caller.frame->method->code + exit.frames[k - 1].pc;
    levels_.push_back({callee.get(), f.base, caller.frame->ip, closure, context});
    frames_.push_back(std::move(callee));
    cover(f.base + f.method->frameSize());
  }
  const SnapFrame& inner = exit.frames.back();
  ip_ = inner.method->code + inner.pc;
  sp_ = outerSlots() + inner.base + stackBase(cur()) + inner.depth;
  cover(uint32_t(sp_ - outerSlots()));
}

void Recorder::cover(uint32_t words) {
  if (refs_.size() < words) {
    refs_.resize(words, kNoRef);
    written_.resize(words, false);
  }
}

IrRef Recorder::slotRef(uint32_t i) {
  if (refs_[i] == kNoRef) refs_[i] = trace_.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, i);
  return refs_[i];
}

void Recorder::setSlot(uint32_t i, Value v, IrRef ref) {
  outerSlots()[i] = v;
  refs_[i] = ref;
  written_[i] = true;
}

// The context of the current activation: the traced activation's frame's; an inlined
// activation's own; an inlined block's borrowed one (its block's outer); none for an
// inlined method that owns none.
IrRef Recorder::ownContextRef() {
  const Level& l = cur();
  if (levels_.size() == 1)
    return trace_.emit(IrOp::LOAD, trace_.emit(IrOp::FRAME), kNoRef, kNoRef, offsetof(Frame, context));
  if (l.context != kNoRef) return l.context;
  if (l.closure != kNoRef) return trace_.emit(IrOp::LOADF, l.closure, kNoRef, kNoRef, offsetof(Block, outer));
  return trace_.konst(0);
}

// The context `level` steps out from the current activation's.
IrRef Recorder::contextRef(unsigned level) {
  IrRef c = ownContextRef();
  while (level--) c = trace_.emit(IrOp::LOADF, c, kNoRef, kNoRef, offsetof(Context, outer));
  return c;
}

// The state at the start of the current bytecode: where execution resumes when a guard
// of this bytecode fails. (Handlers change nothing before their last guard.)
int32_t Recorder::snapshot(Returning atReturn) {
  if (snapshot_ >= 0) return snapshot_;
  Snapshot s;
  for (size_t k = 0; k < levels_.size(); k++) {
    const Level& l = levels_[k];
    Method* m = l.frame->method;
    if (k + 1 < levels_.size()) {
      const Level& callee = levels_[k + 1];
      uint32_t depthAtSend = callee.base + callee.frame->method->numArgs - l.base - stackBase(l);
      s.frames.push_back({m, l.base, uint32_t(callee.sendIp - m->code), depthAtSend, l.closure, l.context});
    } else {
      s.frames.push_back({m, l.base, uint32_t(ip_ - m->code), depth(l), l.closure, l.context});
    }
  }
  uint32_t live = uint32_t(sp_ - outerSlots());
  uint32_t from = atReturn == Returning::No ? 0 : atReturn == Returning::Self ? live : live - 1;
  for (uint32_t i = from; i < live; i++)
    if (written_[i]) s.slots.push_back({i, refs_[i]});
  snapshot_ = trace_.addSnapshot(std::move(s));
  return snapshot_;
}

// The receiver's class, as the send's lookup will see it: its tag, and for heap objects
// the class word.
void Recorder::guardClass(Value receiver, IrRef ref) {
  IrRef tag = trace_.emit(IrOp::BAND, ref, trace_.konst(kTagMask));
  trace_.emit(IrOp::GUARDT, trace_.emit(IrOp::EQ, tag, trace_.konst(receiver.tag())), kNoRef, kNoRef, 0, snapshot());
  if (!receiver.isObject()) return;
  IrRef cls = trace_.emit(IrOp::LOADF, ref, kNoRef, kNoRef, offsetof(Object, cls));
  trace_.emit(IrOp::GUARDT,
              trace_.emit(IrOp::EQ, cls, trace_.konst(reinterpret_cast<uint64_t>(receiver.asObject()->cls))),
              kNoRef, kNoRef, 0, snapshot());
}

// --- the Record mode's stack, sends and guards -----------------------------------------

RecordMode::V RecordMode::peek(int n) {
  uint32_t i = uint32_t(r.sp_ - r.outerSlots()) - 1 - uint32_t(n);
  return {r.outerSlots()[i], r.slotRef(i)};
}
void RecordMode::drop(int n) { r.sp_ -= n; }
void RecordMode::push(V v) {
  uint32_t i = uint32_t(r.sp_ - r.outerSlots());
  r.setSlot(i, v.v, v.ref);
  r.sp_++;
}
int32_t RecordMode::snapshot() { return r.snapshot(); }

bool RecordMode::guard(const Cond& c) {
  if (c.checked) return c.v;
  t.emit(c.v ? IrOp::GUARDT : IrOp::GUARDF, c.ref, kNoRef, kNoRef, 0, r.snapshot());
  if (c.v && c.hasAlso) t.emit(c.alsoV ? IrOp::GUARDT : IrOp::GUARDF, c.alsoRef, kNoRef, kNoRef, 0, r.snapshot());
  return c.v && (!c.hasAlso || c.alsoV);
}

// The full send, made as the interpreter makes it; the trace cannot contain it yet, so
// recording ends after this bytecode.
void RecordMode::send(unsigned lit, unsigned ic) {
  Frame* f = r.cur().frame;
  Symbol* selector = asString(f->method->literals[lit]);
  V receiver = peek(int(selector->numArgs));
  Method* target = lookup(classOf(receiver.v), selector);
  if (target && !target->trivialKind && isLeafPrimitive(target)) {
    r.guardClass(receiver.v, receiver.ref);
    r.recordPrimitive(target, selector->numArgs);
    return;
  }
  // A method with bytecode (Vector>>at:, a user-defined <) is inlined like any send; its
  // return completes this bytecode.
  if (target && !target->native && !target->trivialKind) {
    r.guardClass(receiver.v, receiver.ref);
    if (r.enterLevel(r.ip_, target, r.sp_ - selector->numArgs - 1, kNoRef) == Recorder::Step::Next) {
      r.sendInlined_ = true;
      return;
    }
    r.abortReason_.clear();  // (not inlined after all: the send below runs it)
  }
  Interp local{{}, f, r.sp_, r.ip_, f->slots, f->method->literals};
  local.send(lit, ic);
  r.sp_ = local.sp;
  r.sendAborted_ = true;
  r.unwinding_ = r.sp_[-1].isNull();
}

// --- the driver -------------------------------------------------------------------------

Recorder::Outcome Recorder::run() {
  // The current frame is the innermost level's while it runs (a runtime error in an
  // inlined callee backtraces through it), and the traced activation's afterwards.
  struct CurrentFrame {
    Frame* traced;
    ~CurrentFrame() { U.currentFrame = traced; }
  } current{levels_.front().frame};
  U.currentFrame = cur().frame;
  for (uint32_t steps = 0;; steps++) {
    if (steps >= params.maxrecord && canStopHere()) {
      abortReason_ = "trace too long";
      break;
    }
    // Reaching the header of a loop that has a trace (not by its back edge: falling into
    // an inner loop, or a side trace passing through) links to that trace.
    if (steps > 0 && levels_.size() == 1 && ip_ != header_ && canLink_(ip_, depth(cur()))) {
      close(IrOp::LINK, ip_);
      return Outcome::Closed;
    }
    if (header_ && levels_.size() == 1 && (ip_ < header_ || ip_ > loopEnd_)) {
      leftLoop_ = true;
      abortReason_ = "the recorded iteration left the loop (at pc " + std::to_string(ip_ - method()->code) + ")";
      break;
    }
    snapshot_ = -1;
    pcs_.push_back({method(), uint32_t(ip_ - method()->code)});
    Step step = record();
    if (step == Step::Closed) return Outcome::Closed;
    if (step == Step::Abort) {
      pcs_.pop_back();
      break;
    }
    if (sendAborted_) {
      abortReason_ = "a send that has no fast path (" + std::string(kBytecodes[*(ip_ - 5)].name) + ")";
      break;
    }
  }
  leaveInlinedLevels();
  return Outcome::Aborted;
}

// Recording stopped inside inlined calls: their activations go on for real (resumed where
// the recorder stopped), and their result completes the traced activation's send.
void Recorder::leaveInlinedLevels() {
  if (levels_.size() == 1) return;
  std::vector<ResumePoint> points(levels_.size() - 1);
  for (size_t k = 1; k < levels_.size(); k++) {
    const Level& l = levels_[k];
    Method* m = l.frame->method;
    if (k + 1 < levels_.size()) {
      const Level& callee = levels_[k + 1];
      points[k - 1] = {m, l.frame->slots, callee.sendIp, outerSlots() + callee.base + callee.frame->method->numArgs,
                       &points[k], false, l.frame->closure, ownedContext(*l.frame), l.frame};
    } else {
      points[k - 1] = {m, l.frame->slots, ip_, sp_, nullptr, unwinding_, l.frame->closure, ownedContext(*l.frame),
                       l.frame};
    }
  }
  Frame* outer = levels_.front().frame;
  const uint8_t* send = levels_[1].sendIp;
  outer->ip = send;
  levels_.resize(1);
  Value result = resume(points[0], outer);
  sp_ = points[0].slots + 1;
  sp_[-1] = result;
  ip_ = send + kBytecodes[*send].length;
  unwinding_ = result.isNull();
}

// One bytecode: executed on the frame and recorded. Abort answers leave it unexecuted.
Recorder::Step Recorder::record() {
  const uint8_t* p = ip_;
  Bc bc = Bc(*p);
  const BcInfo& info = kBytecodes[bc];
  Level& level = cur();
  Value* slots = level.frame->slots;
  uint32_t base = level.base;
  Method* m = level.frame->method;
  RecordMode mode{*this, trace_};
  auto pushConst = [&](Value v) { mode.push({v, trace_.konst(v.raw())}); };
  uint32_t next = info.length;
  switch (bc) {
    case BC_PUSH_SLOT: mode.push({slots[p[1]], slotRef(base + p[1])}); break;
    case BC_PUSH_SELF: mode.push({slots[0], slotRef(base)}); break;
    case BC_PUSH_FIELD: mode.push(mode.load({slots[0], slotRef(base)}, int32_t(8 * p[1]))); break;
    case BC_POP_FIELD: {
      RecordMode::V v = mode.peek(0);
      mode.drop(1);
      slots[0].asObject()->fieldWords()[p[1]] = v.v;
      trace_.emit(IrOp::STORE, slotRef(base), v.ref, kNoRef, 8 * p[1]);
      break;
    }
    case BC_PUSH_CTX:
    case BC_POP_CTX: {
      if (levels_.size() > 1 && level.closure == kNoRef && level.context == kNoRef)
        return abort("a context in an inlined method");
      Context* c = level.frame->context;
      for (unsigned l = p[2]; l; l--) c = c->outer;
      int32_t offset = int32_t(offsetof(Context, vars) + 8 * p[1]);
      if (bc == BC_PUSH_CTX) {
        mode.push({c->vars[p[1]], trace_.emit(IrOp::LOAD, contextRef(p[2]), kNoRef, kNoRef, offset)});
      } else {
        RecordMode::V v = mode.peek(0);
        mode.drop(1);
        c->vars[p[1]] = v.v;
        trace_.emit(IrOp::STORE, contextRef(p[2]), v.ref, kNoRef, offset);
      }
      break;
    }
    case BC_PUSH_CONST: pushConst(m->literals[readU16(p + 1)]); break;
    case BC_PUSH_NIL: pushConst(U.nil); break;
    case BC_PUSH_TRUE: pushConst(U.trueObject); break;
    case BC_PUSH_FALSE: pushConst(U.falseObject); break;
    case BC_PUSH_0: pushConst(Value::fromSmallInt(0)); break;
    case BC_PUSH_1: pushConst(Value::fromSmallInt(1)); break;
    case BC_PUSH_GLOBAL: {
      Symbol* name = asString(m->literals[readU16(p + 1)]);
      if (name->global.isNull()) return abort("an unbound global");
      IrRef v = trace_.emit(IrOp::LOAD, trace_.konst(reinterpret_cast<uint64_t>(name)), kNoRef, kNoRef,
                            offsetof(String, global));
      trace_.emit(IrOp::GUARDF, trace_.emit(IrOp::EQ, v, trace_.konst(0)), kNoRef, kNoRef, 0, snapshot());
      mode.push({name->global, v});
      break;
    }
    case BC_POP: mode.drop(1); break;
    case BC_DUP: mode.push(mode.peek(0)); break;
    case BC_POP_SLOT: {
      RecordMode::V v = mode.peek(0);
      mode.drop(1);
      setSlot(base + p[1], v.v, v.ref);
      break;
    }
    case BC_ADD: op::ADD(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_SUB: op::SUB(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_MUL: op::MUL(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_LT: op::LT(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_LE: op::LE(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_GT: op::GT(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_GE: op::GE(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_EQ: op::EQ(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_AT: op::AT(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_AT_PUT: op::AT_PUT(mode, readU16(p + 1), readU16(p + 3)); break;
    case BC_JUMP: next = 3 + readU16(p + 1); break;
    case BC_JUMP_IF_TRUE:
    case BC_JUMP_IF_FALSE:
    case BC_JUMP_IF_NIL:
    case BC_JUMP_IF_NOT_NIL: {
      RecordMode::V c = mode.peek(0);
      bool onNil = bc == BC_JUMP_IF_NIL || bc == BC_JUMP_IF_NOT_NIL;
      if (!onNil && c.v != U.trueObject && c.v != U.falseObject) return abort("a non-Boolean condition");
      Value compared = onNil ? U.nil : U.trueObject;
      bool equal = c.v == compared;
      trace_.emit(equal ? IrOp::GUARDT : IrOp::GUARDF, trace_.emit(IrOp::EQ, c.ref, trace_.konst(compared.raw())),
                  kNoRef, kNoRef, 0, snapshot());
      mode.drop(1);
      bool taken = bc == BC_JUMP_IF_TRUE || bc == BC_JUMP_IF_NIL ? equal : !equal;
      if (taken) next = 3 + readU16(p + 1);
      break;
    }
    case BC_JUMP_BACK: return closeAtBackEdge(p + 3 - readU16(p + 1));
    case BC_SEND: return recordSend(p);
    case BC_RETURN_LOCAL:
    case BC_RETURN_SELF: return recordReturn(bc == BC_RETURN_SELF);
    case BC_SUPER_SEND: return recordSend(p, true);
    case BC_PUSH_BLOCK: {
      // The new block's outer context is the current activation's (ownContextRef).
      auto* code = static_cast<Method*>(m->literals[readU16(p + 1)].asObject());
      IrRef context = ownContextRef();
      Block* block = newBlock(code, level.frame->context, slots[0]);
      mode.push({Value::fromObject(block),
                 trace_.emit(IrOp::NEWBLK, context, slotRef(base), kNoRef, int64_t(reinterpret_cast<uint64_t>(code)))});
      break;
    }
    case BC_PUSH_ARRAY_LIT: return abort("a literal array");
    case BC_RETURN_NONLOCAL: return abort("a non-local return");
    default: return abort(std::string("bytecode ") + info.name);
  }
  if (sendInlined_) {  // an intrinsic's slow path entered a level: ip_ is its start
    sendInlined_ = false;
    return Step::Next;
  }
  ip_ = p + next;
  return Step::Next;
}

// A loop's back edge closes the trace: at its own header with LOOP, at another loop's
// with LINK to that loop's trace (which starts from memory, like LOOP's next iteration).
Recorder::Step Recorder::closeAtBackEdge(const uint8_t* target) {
  if (levels_.size() > 1) {
    // A loop in an inlined call is unrolled: each iteration is recorded, and where a later
    // run of the trace needs more or fewer, a guard exits (into a side trace, if hot).
    if (++unrolled_[target] > params.loopunroll) {
      // Every run longer or shorter than the recorded one would leave the trace (a search
      // down a tree): traces call the method from now on, and its loop runs in its own
      // tree, whatever its trip count. (Not a block's loop: no call of a block is made;
      // nor one that evaluates blocks, a collection's do:, which is better inlined where
      // the block is known than called with every block.)
      if (cur().closure == kNoRef && !evaluatesBlocks(cur().frame->method)) {
        cur().frame->method->flags |= kLoopsLong;
        foundLongLoop_ = true;
      }
      return abort("a loop in an inlined method (unrolled too often)");
    }
    ip_ = target;
    return Step::Next;
  }
  uint32_t d = depth(cur());
  if (target == header_) {
    if (d != headerDepth_) return abort("the stack depth changed around the loop");
    return close(IrOp::LOOP, target);
  }
  if (canLink_(target, d)) return close(IrOp::LINK, target);
  if (header_) {
    untracedLoop_ = target;
    return abort("an inner loop that has no trace yet");
  }
  // A side trace goes on through a loop that has no trace, once, to the next header of
  // one that has (an outer loop's exit, say, through the next outer iteration to the
  // inner loop).
  for (const uint8_t* passed : untracedLoopsPassed_)
    if (passed == target) {
      untracedLoop_ = target;
      return abort("a loop that has no trace");
    }
  untracedLoopsPassed_.push_back(target);
  ip_ = target;
  return Step::Next;
}

// Ends the trace at loop header `target`: the values the next iteration (or the linked
// trace) starts from go to the frame, then LOOP or LINK.
Recorder::Step Recorder::close(IrOp end, const uint8_t* target) {
  for (uint32_t i = 0; i < stackBase(cur()) + depth(cur()); i++)
    if (written_[i]) trace_.emit(IrOp::SSTORE, refs_[i], kNoRef, kNoRef, i);
  trace_.emit(end);
  if (end == IrOp::LINK) linkHeader_ = target;
  ip_ = target;
  return Step::Closed;
}

// Whether recording may stop before the current bytecode: anywhere in inlined calls
// (their activations resume in the interpreter), and in the traced activation where its
// tier-1 code, if it has some, can be entered.
bool Recorder::canStopHere() const {
  if (levels_.size() > 1) return true;
  Method* m = levels_.front().frame->method;
  return !m->tier1Code || tier1::entryAt(m, uint32_t(ip_ - m->code)) != nullptr;
}

// A send: guarded on the receiver's class and inlined. Trivial methods become their
// load or store; methods with bytecode get a level of their own, run concretely in a
// real frame above the caller's stack, exactly where an activation would be. A super
// send's target depends only on the method it is in: it needs no guard.
Recorder::Step Recorder::recordSend(const uint8_t* p, bool super) {
  Method* m = method();
  Symbol* selector = asString(m->literals[readU16(p + 1)]);
  uint32_t argc = selector->numArgs;
  RecordMode mode{*this, trace_};
  RecordMode::V receiver = mode.peek(int(argc));
  Method* target = nullptr;
  if (super) {
    Class* holder = cur().frame->homeMethod()->holder;
    if (holder && holder->superclass) target = lookup(holder->superclass, selector);
  } else {
    target = lookup(classOf(receiver.v), selector);
  }
  if (!target) return abort("doesNotUnderstand:");
  auto guardReceiver = [&] {
    if (!super) guardClass(receiver.v, receiver.ref);
  };
  if (target->native && target->native == blockEvaluation(argc) && receiver.v.isObject() &&
      static_cast<Block*>(receiver.v.asObject())->code->numArgs == argc + 1) {
    // Block evaluation: guarded on the block's code, inlined like a method whose self and
    // contexts come from the block.
    Block* block = static_cast<Block*>(receiver.v.asObject());
    guardReceiver();
    IrRef code = trace_.emit(IrOp::LOADF, receiver.ref, kNoRef, kNoRef, offsetof(Block, code));
    trace_.emit(IrOp::GUARDT, trace_.emit(IrOp::EQ, code, trace_.konst(reinterpret_cast<uint64_t>(block->code))),
                kNoRef, kNoRef, 0, snapshot());
    return enterLevel(p, block->code, sp_ - argc - 1, receiver.ref);
  }
  if (target->native && !target->trivialKind && !isLeafPrimitive(target))
    return abort("a primitive (" + std::string(selector->view()) + ")");
  guardReceiver();
  if (target->native && !target->trivialKind) {
    recordPrimitive(target, argc);
    ip_ = p + kBytecodes[*p].length;
    return Step::Next;
  }
  Value* args = sp_ - argc - 1;
  if (target->trivialKind) {
    RecordMode::V result = receiver;
    Value answer = answerTrivial(target, args);  // (performs a setter's store)
    switch (target->trivialKind) {
      case kGetter: result = {answer, trace_.emit(IrOp::LOAD, receiver.ref, kNoRef, kNoRef, 8 * target->trivialOperand)}; break;
      case kSetter: trace_.emit(IrOp::STORE, receiver.ref, mode.peek(0).ref, kNoRef, 8 * target->trivialOperand); break;
      case kReturnsSelf: break;
      default: result = {answer, trace_.konst(answer.raw())}; break;
    }
    mode.drop(int(argc + 1));
    mode.push(result);
    ip_ = p + kBytecodes[*p].length;
    return Step::Next;
  }
  // Recursion is not inlined but called: the traced method sending to itself
  // (Queens>>place:, Permute>>permute: inside their loops), also from inside inlined calls
  // (Storage's tree builder, through Array>>putAll: and a block), and a method sent again
  // from the same site further down.
  if (target == levels_.front().frame->method || isRecursion(p, target) || (target->flags & kLoopsLong))
    return recordCallOut(p, target, argc);
  return enterLevel(p, target, args, kNoRef);
}

// A send the trace makes as a call (CALLM): the receiver and arguments go where the
// callee's frame begins and the callee runs as an activation of its own (interpreted, or
// in its tier-1 code, entering traces of its loops). Its backtrace, non-local returns
// and restarts find the caller's frame: the traced activation's, or, from inside inlined
// calls, records the trace writes for them (the CALLM's snapshot describes them).
Recorder::Step Recorder::recordCallOut(const uint8_t* p, Method* target, uint32_t argc) {
  RecordMode mode{*this, trace_};
  Frame* f = cur().frame;
  uint32_t first = uint32_t(sp_ - outerSlots()) - argc - 1;
  for (uint32_t k = 0; k <= argc; k++) trace_.emit(IrOp::SSTORE, slotRef(first + k), kNoRef, kNoRef, first + k);
  f->ip = p;
  Value result = invoke(target, outerSlots() + first, f);
  // The state after the send, with the unwind marker as its result: where a callee that
  // unwinds leaves the trace.
  mode.drop(int(argc + 1));
  mode.push({Value(), trace_.konst(0)});
  ip_ = p + kBytecodes[*p].length;
  snapshot_ = -1;
  int32_t unwound = snapshot();
  trace_.markUnwinding(unwound);
  snapshot_ = -1;
  IrRef call = trace_.emit(IrOp::CALLM, trace_.konst(reinterpret_cast<uint64_t>(target)),
                           trace_.konst(reinterpret_cast<uint64_t>(p)), kNoRef, first, unwound);
  setSlot(first, result, call);
  if (result.isNull()) {
    unwinding_ = true;
    return abort("a call that unwound (a non-local return or a restart through it)");
  }
  return Step::Next;
}

// Recursion is the same method entered again from the same send site; the same method
// from another site (`and:` inside a block passed to `and:`) is only nesting.
bool Recorder::isRecursion(const uint8_t* p, const Method* target) const {
  for (const Level& l : levels_)
    if (l.frame->method == target && l.sendIp == p) return true;
  return false;
}

// A new level for an inlined activation of `target` (a block's code when `closure` is the
// block), run concretely in a real frame at `args`, where the activation would be.
Recorder::Step Recorder::enterLevel(const uint8_t* p, Method* target, Value* args, IrRef closure) {
  if (levels_.size() >= params.maxinline) return abort("inlining too deep");
  if (isRecursion(p, target)) return abort("recursion");
  Value* end = args + target->frameSize();
  if (end >= U.stackLimit) return abort("the VM stack is nearly full");
  if (end > U.stackHighWater) U.stackHighWater = end;
  Block* block = closure != kNoRef ? static_cast<Block*>(args[0].asObject()) : nullptr;
  auto frame = std::make_unique<Frame>(
      Frame{cur().frame, target, args, target->code, block ? block->outer : nullptr, block});
  cur().frame->ip = p;
  levels_.push_back({frame.get(), uint32_t(args - outerSlots()), p, closure});
  frames_.push_back(std::move(frame));
  U.currentFrame = cur().frame;
  cover(levels_.back().base + target->frameSize());
  uint32_t base = levels_.back().base;
  if (block)  // the activation sees the block's self in slot 0
    setSlot(base, block->self, trace_.emit(IrOp::LOADF, closure, kNoRef, kNoRef, offsetof(Block, self)));
  for (uint32_t i = target->numArgs; i < uint32_t(target->numArgs) + target->numLocals; i++)
    setSlot(base + i, U.nil, trace_.konst(U.nil.raw()));
  if (target->flags & kOwnsContext) {
    // Its context, as openContext makes it: a new one whose outer is the activation's
    // (a block's, or none), with the captured arguments copied in.
    IrRef outer = ownContextRef();
    openContext(*cur().frame);
    IrRef context = trace_.emit(IrOp::NEWCTX, outer, kNoRef, kNoRef, int64_t(reinterpret_cast<uint64_t>(target)));
    for (unsigned i = 0; i < target->numCapturedArgs; i++)
      trace_.emit(IrOp::STORE, context, slotRef(base + target->capturedArgs[2 * i]), kNoRef,
                  int64_t(offsetof(Context, vars) + 8 * target->capturedArgs[2 * i + 1]));
    cur().context = context;
  }
  sp_ = args + target->numArgs + target->numLocals;
  ip_ = target->code;
  return Step::Next;
}

// `Array new: n` for a constant n (a literal: `Array with:with:` says `self new: 2`) is
// NEWARR: its length, class and kind are known to the trace, its elements at constant
// indices are read from the trace's stores, and when it does not escape the trace does
// not make it (regalloc.cpp). The send's class guard makes the receiver Array itself
// (a metaclass has one instance); a subclass's `new:` makes an instance of the subclass.
// Up to 16 elements: an exit writes each stored one.
bool Recorder::recordArrayAllocation(Method* target) {
  constexpr int64_t kMaxElements = 16;
  if (target->signature->view() != "new:") return false;
  RecordMode mode{*this, trace_};
  RecordMode::V receiver = mode.peek(1), length = mode.peek(0);
  if (receiver.v != Value::fromObject(U.arrayClass) || !trace_.isConstant(length.ref) || !length.v.isSmallInt())
    return false;
  int64_t n = length.v.asSmallInt();
  if (n < 0 || n > kMaxElements) return false;
  Value array = Value::fromObject(newArray(uint64_t(n)));  // (what the send answers now)
  mode.drop(2);
  mode.push({array, trace_.emit(IrOp::NEWARR, kNoRef, kNoRef, kNoRef, n)});
  return true;
}

// A send of a leaf primitive, from a send bytecode or an intrinsic's slow path: its fast
// path inlined where it has one, else a call.
void Recorder::recordPrimitive(Method* target, uint32_t argc) {
  if (!recordInlinedPrimitive(target)) recordLeafCall(target, argc);
}

// Primitives inlined through their fast paths (primitives/arith.h): Double>>// and
// Double>>sqrt on immediate Doubles, the bitwise and division operations on
// SmallIntegers, String>>= on short strings. Answers false, having recorded nothing but
// the failing guard, when the call is needed (other operands, a zero divisor: the
// primitive raises the error).
bool Recorder::recordInlinedPrimitive(Method* target) {
  if (target->holder == U.stringClass) return recordStringEquality(target);
  if (target->holder == U.arrayClass->cls) return recordArrayAllocation(target);
  bool onDoubles = target->holder == U.doubleClass;
  if (!onDoubles && target->holder != U.integerClass) return false;
  std::string_view selector = target->signature->view();
  RecordMode mode{*this, trace_};
  RecordMode::V result;
  if (onDoubles && selector == "sqrt") {
    RecordMode::V a = mode.peek(0);
    if (!mode.guard(arith::isImmediateDouble(mode, a)) || !mode.guard(arith::squareRootDouble(mode, a, result)))
      return false;
    mode.drop(1);
    mode.push(result);
    return true;
  }
  enum class Op { None, DoubleDivide, And, Or, Xor, Divide, Remainder, Modulo };
  Op op = onDoubles ? (selector == "//" ? Op::DoubleDivide : Op::None)
          : selector == "&"      ? Op::And
          : selector == "bitOr:" ? Op::Or
          : selector == "bitXor:" ? Op::Xor
          : selector == "/"      ? Op::Divide
          : selector == "rem:"   ? Op::Remainder
          : selector == "%"      ? Op::Modulo
                                 : Op::None;
  if (op == Op::None) return false;
  RecordMode::V a = mode.peek(1), b = mode.peek(0);
  if (op == Op::DoubleDivide) {
    if (!mode.guard(arith::bothImmediateDoubles(mode, a, b)) || !mode.guard(arith::divideDoubles(mode, a, b, result)))
      return false;
  } else {
    if (!mode.guard(arith::bothSmallInts(mode, a, b))) return false;
    bool divides = op == Op::Divide || op == Op::Remainder || op == Op::Modulo;
    if (divides && !mode.guard(arith::nonZeroSmall(mode, b))) return false;
    switch (op) {
      case Op::And: result = arith::bitAndSmall(mode, a, b); break;
      case Op::Or: result = arith::bitOrSmall(mode, a, b); break;
      case Op::Xor: result = arith::bitXorSmall(mode, a, b); break;
      case Op::Divide:
        if (!mode.guard(arith::divideSmall(mode, a, b, result))) return false;
        break;
      case Op::Remainder: result = arith::remainderSmall(mode, a, b); break;
      default: result = arith::moduloSmall(mode, a, b); break;
    }
  }
  mode.drop(2);
  mode.push(result);
  return true;
}

// String>>= on short strings (primitives/arith.h), for a receiver of class String or Symbol
// (guarded already: a subclass's instance may have no characters). The trace knows the
// receiver's length (guarded; a literal's folds) and whether the argument's differs.
bool Recorder::recordStringEquality(Method* target) {
  if (target->signature->view() != "=") return false;
  RecordMode mode{*this, trace_};
  RecordMode::V a = mode.peek(1), b = mode.peek(0);
  Class* receiverClass = classOf(a.v);
  if (receiverClass != U.stringClass && receiverClass != U.symbolClass) return false;
  uint64_t n = asString(a.v)->length;
  // (Other arguments: the call answers, whatever they are later.)
  if (n > arith::kShortStringLength || !b.v.isObject()) return false;
  Kind kind = b.v.asObject()->kind;
  if (kind != Kind::String && kind != Kind::Symbol) return false;
  mode.guard(arith::isPointer(mode, b));
  mode.guard(arith::hasKind(mode, b, kind));
  constexpr int32_t length = int32_t(offsetof(String, length));
  mode.guard(mode.eq(mode.loadFixed(a, length), mode.konst(n)));
  RecordMode::V result = mode.konst(U.falseObject.raw());
  if (mode.guard(mode.eq(mode.loadFixed(b, length), mode.konst(n))))
    result = mode.select(arith::equalShortStrings(mode, a, b, n), mode.konst(U.trueObject.raw()), result);
  mode.drop(2);
  mode.push(result);
  return true;
}

// A call of a leaf primitive: the trace stores the receiver and arguments where the
// primitive reads them (the top of the VM stack) and calls it; its result, of whatever
// class, is guarded where it is used.
void Recorder::recordLeafCall(Method* target, uint32_t argc) {
  RecordMode mode{*this, trace_};
  uint32_t first = uint32_t(sp_ - outerSlots()) - argc - 1;
  for (uint32_t k = 0; k <= argc; k++) trace_.emit(IrOp::SSTORE, slotRef(first + k), kNoRef, kNoRef, first + k);
  IrRef result = trace_.emit(IrOp::CALLP, trace_.konst(reinterpret_cast<uint64_t>(target->native)), kNoRef, kNoRef, first);
  cur().frame->ip = ip_;
  Value value = target->native(outerSlots() + first, cur().frame);
  mode.drop(int(argc + 1));
  mode.push({value, result});
}

// The end of an inlined activation: its result replaces the receiver and arguments on
// the caller's stack, and the caller goes on after the send.
Recorder::Step Recorder::recordReturn(bool self) {
  if (levels_.size() == 1 && endAtReturn_) {
    // The interpreter makes the return (or the lean activation takes the result): the
    // trace leaves at the return bytecode, its snapshot writing the result.
    snapshot_ = -1;
    trace_.emit(IrOp::EXIT, kNoRef, kNoRef, kNoRef, 0, snapshot(self ? Returning::Self : Returning::TopOfStack));
    endedAtReturn_ = true;
    return Step::Closed;
  }
  if (levels_.size() == 1) {
    leftLoop_ = header_ != nullptr;
    return abort("a return");
  }
  RecordMode mode{*this, trace_};
  Level done = cur();
  if (Context* c = ownedContext(*done.frame)) c->frame = nullptr;  // (as leave() does)
  RecordMode::V result = self ? RecordMode::V{outerSlots()[done.base], slotRef(done.base)} : mode.peek(0);
  levels_.pop_back();
  U.currentFrame = cur().frame;
  sp_ = outerSlots() + done.base;
  mode.push(result);
  ip_ = done.sendIp + kBytecodes[*done.sendIp].length;
  return Step::Next;
}

}  // namespace som::tier2
