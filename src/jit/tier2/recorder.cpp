#include "jit/tier2/recorder.h"

#include <cstddef>

#include "interp/bytecodes.h"
#include "interp/interp_mode.h"
#include "jit/tier2/record_mode.h"

// Object layouts use single inheritance from Object; their field offsets are read here.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"

namespace som::tier2 {

namespace {
constexpr uint32_t kMaxTraceBytecodes = 2000;
}

Recorder::Recorder(Frame& frame, const uint8_t* header, Value* sp)
    : frame_(frame), header_(header), ip_(header), sp_(sp) {
  Method* m = frame.method;
  refs_.assign(m->frameSize(), kNoRef);
  written_.assign(m->frameSize(), false);
  headerDepth_ = depth();
}

uint32_t Recorder::stackBase() const { return uint32_t(frame_.method->numArgs) + frame_.method->numLocals; }

IrRef Recorder::slotRef(uint32_t i) {
  if (refs_[i] == kNoRef) refs_[i] = trace_.emit(IrOp::SLOAD, kNoRef, kNoRef, kNoRef, i);
  return refs_[i];
}

void Recorder::setSlot(uint32_t i, Value v, IrRef ref) {
  frame_.slots[i] = v;
  refs_[i] = ref;
  written_[i] = true;
}

IrRef Recorder::contextRef(unsigned level) {
  IrRef c = trace_.emit(IrOp::LOAD, frameRef(), kNoRef, kNoRef, offsetof(Frame, context));
  while (level--) c = trace_.emit(IrOp::LOAD, c, kNoRef, kNoRef, offsetof(Context, outer));
  return c;
}

// The frame state at the start of the current bytecode: where the interpreter resumes
// when a guard of this bytecode fails. (Handlers change nothing before their last guard.)
int32_t Recorder::snapshot() {
  if (snapshot_ >= 0) return snapshot_;
  Snapshot s{uint32_t(ip_ - frame_.method->code), depth(), {}};
  uint32_t live = stackBase() + depth();
  for (uint32_t i = 0; i < live; i++)
    if (written_[i]) s.slots.push_back({i, refs_[i]});
  snapshot_ = trace_.addSnapshot(std::move(s));
  return snapshot_;
}

// --- the Record mode's stack, sends and guards -----------------------------------------

RecordMode::V RecordMode::peek(int n) {
  uint32_t i = uint32_t(r.sp_ - r.frame_.slots) - 1 - uint32_t(n);
  return {r.frame_.slots[i], r.slotRef(i)};
}
void RecordMode::drop(int n) { r.sp_ -= n; }
void RecordMode::push(V v) {
  uint32_t i = uint32_t(r.sp_ - r.frame_.slots);
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
  Interp local{{}, &r.frame_, r.sp_, r.ip_, r.frame_.slots, r.frame_.method->literals};
  local.send(lit, ic);
  r.sp_ = local.sp;
  r.sendAborted_ = true;
  r.unwinding_ = r.sp_[-1].isNull();
}

// --- the driver -------------------------------------------------------------------------

Recorder::Outcome Recorder::run() {
  for (uint32_t steps = 0;; steps++) {
    if (steps >= kMaxTraceBytecodes) {
      abortReason_ = "trace too long";
      return Outcome::Aborted;
    }
    snapshot_ = -1;
    pcs_.push_back(uint32_t(ip_ - frame_.method->code));
    switch (record()) {
      case Step::Next:
        if (sendAborted_) {
          abortReason_ = "a send that has no fast path (" + std::string(kBytecodes[*(ip_ - 5)].name) + ")";
          return Outcome::Aborted;
        }
        break;
      case Step::Closed:
        return Outcome::Closed;
      case Step::Abort:
        pcs_.pop_back();
        return Outcome::Aborted;
    }
  }
}

// One bytecode: executed on the frame and recorded. Abort answers leave it unexecuted.
Recorder::Step Recorder::record() {
  const uint8_t* p = ip_;
  Bc bc = Bc(*p);
  const BcInfo& info = kBytecodes[bc];
  Value* slots = frame_.slots;
  Method* m = frame_.method;
  RecordMode mode{*this, trace_};
  auto pushConst = [&](Value v) { mode.push({v, trace_.konst(v.raw())}); };
  uint32_t next = info.length;
  switch (bc) {
    case BC_PUSH_SLOT: mode.push({slots[p[1]], slotRef(p[1])}); break;
    case BC_PUSH_SELF: mode.push({slots[0], slotRef(0)}); break;
    case BC_PUSH_FIELD: {
      Value self = slots[0];
      mode.push(mode.load({self, slotRef(0)}, int32_t(8 * p[1])));
      break;
    }
    case BC_POP_FIELD: {
      RecordMode::V v = mode.peek(0);
      mode.drop(1);
      slots[0].asObject()->fieldWords()[p[1]] = v.v;
      trace_.emit(IrOp::STORE, slotRef(0), v.ref, kNoRef, 8 * p[1]);
      break;
    }
    case BC_PUSH_CTX: {
      Context* c = frame_.context;
      for (unsigned l = p[2]; l; l--) c = c->outer;
      mode.push({c->vars[p[1]],
                 trace_.emit(IrOp::LOAD, contextRef(p[2]), kNoRef, kNoRef, offsetof(Context, vars) + 8 * p[1])});
      break;
    }
    case BC_POP_CTX: {
      RecordMode::V v = mode.peek(0);
      mode.drop(1);
      Context* c = frame_.context;
      for (unsigned l = p[2]; l; l--) c = c->outer;
      c->vars[p[1]] = v.v;
      trace_.emit(IrOp::STORE, contextRef(p[2]), v.ref, kNoRef, offsetof(Context, vars) + 8 * p[1]);
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
      setSlot(p[1], v.v, v.ref);
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
    case BC_JUMP_BACK: {
      const uint8_t* target = p + 3 - readU16(p + 1);
      if (target != header_) return abort("an inner loop");
      if (depth() != headerDepth_) return abort("the stack depth changed around the loop");
      // The iteration's end: the values the next iteration starts from go to the frame.
      for (uint32_t i = 0; i < stackBase() + depth(); i++)
        if (written_[i]) trace_.emit(IrOp::SSTORE, refs_[i], kNoRef, kNoRef, i);
      trace_.emit(IrOp::LOOP);
      ip_ = target;
      return Step::Closed;
    }
    case BC_SEND:
    case BC_SUPER_SEND: return abort("a send (inlining comes later)");
    case BC_PUSH_BLOCK: return abort("a block allocation");
    case BC_PUSH_ARRAY_LIT: return abort("a literal array");
    case BC_RETURN_LOCAL:
    case BC_RETURN_SELF:
    case BC_RETURN_NONLOCAL: return abort("a return");
    default: return abort(std::string("bytecode ") + info.name);
  }
  ip_ = p + next;
  return Step::Next;
}

}  // namespace som::tier2
