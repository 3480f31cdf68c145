// The tier-1 generator: one linear pass over a method's bytecode, driven by the directive
// table. For each bytecode it emits either
//   - a small native template, for the bytecodes whose directive is Inline: data movement
//     between frame slots, contexts, fields and the operand stack; jumps and conditional
//     branches; returns; or
//   - a call to that bytecode's handler instantiated in Interp mode (runtime.cpp), with
//     the operands as immediates, for everything that computes on values (sends,
//     arithmetic, comparisons, allocation, globals).
// The frame layout is the interpreter's and the operand stack lives in the VM stack, so
// every bytecode boundary is a valid place to enter (OSR at loop headers, resumption of
// later tiers) or leave.
//
// Registers while the code runs:
//   rsp  points at the Interp record (in this native frame) that handlers receive: the
//        code pushes nothing between calls, so the record is always at the stack top
//   r12  operand stack pointer (written to Interp::sp around handler calls)
//   r13  frame slots (slot 0 = self)
//   r14  the Frame
//   r15  the Universe (U), so that VM globals are one memory operand away
#include <asmjit/x86.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "compiler/disassembler.h"
#include "interp/bytecodes.h"
#include "interp/interp_mode.h"
#include "interp/trivial.h"
#include "jit/backend/code_cache.h"
#include "jit/backend/disasm.h"
#include "jit/tier1/emit_mode.h"
#include "jit/tier1/runtime.h"
#include "jit/tier1/tier1.h"
#include "jit/tier2/tier2.h"
#include "primitives/registry.h"
#include "vm/universe.h"

// Object layouts use single inheritance from Object; GCC lays them out predictably, and
// native code needs their field offsets.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"

namespace som::tier1 {

using namespace asmjit;
using namespace asmjit::x86;

namespace {

Stats gStats;
bool gEnabled = false;

// The native frame of tier-1 code: the Interp record handlers receive, a flag telling
// which entry was used, and (for direct entries) the Frame record. 104 keeps rsp 16-byte
// aligned after the six pushes.
constexpr int kNativeFrameSize = 104;
constexpr int kDirectFlag = 40;
constexpr int kFrameRecord = 48;
static_assert(sizeof(Interp) <= kDirectFlag && kFrameRecord + sizeof(Frame) <= kNativeFrameSize);
const Gp kInterp = rsp;
const Gp kSp = r12;
const Gp kSlots = r13;
const Gp kFrame = r14;
const Gp kGlobals = r15;

Mem interpField(size_t offset) { return qword_ptr(kInterp, int32_t(offset)); }
Mem global(size_t offset) { return qword_ptr(kGlobals, int32_t(offset)); }
#define GLOBAL(field) global(offsetof(Universe, field))

class Generator {
 public:
  explicit Generator(Method* m) : m_(m) {}
  bool run();

 private:
  void enterNativeFrame();
  void prologue();
  void directEntry();
  void epilogue();
  void send(uint32_t offset);
  bool inlineFastPath(uint32_t offset);
  bool hasDirectEntry() const {
    return !m_->trivialKind && !m_->native;
  }
  void bytecode(uint32_t offset);
  void push(const Gp& reg) {
    a_.mov(qword_ptr(kSp), reg);
    a_.add(kSp, 8);
  }
  void pop(const Gp& reg) {
    a_.sub(kSp, 8);
    a_.mov(reg, qword_ptr(kSp));
  }
  void loadContext(const Gp& reg, unsigned level) {
    a_.mov(reg, qword_ptr(kFrame, int32_t(offsetof(Frame, context))));
    while (level--) a_.mov(reg, qword_ptr(reg, int32_t(offsetof(Context, outer))));
  }
  void callHandler(uint32_t offset, const void* fn, uint32_t a, uint32_t b, bool mayUnwind);
  void callEntryTrace();
  void saveState(uint32_t offset) {
    a_.mov(interpField(offsetof(Interp, sp)), kSp);
    a_.mov(rax, reinterpret_cast<uint64_t>(m_->code + offset));
    a_.mov(interpField(offsetof(Interp, ip)), rax);
  }
  void branch(uint32_t offset, uint64_t taken, uint64_t other, bool checkBoolean);
  void loopBack(uint32_t header);
  void callDirectEntry(const Gp& method, int32_t receiver, const Label& none, const Label& done);

  Method* m_;
  CodeHolder code_;
  Assembler a_;
  std::vector<Label> labels_;   // one per bytecode offset
  Label epilogue_, unwind_, body_, direct_, overflow_;
  struct NonBooleanStub {
    Label label;
    uint32_t offset;
  };
  std::vector<NonBooleanStub> stubs_;
  // Operand pushes not emitted yet (at most two, the topmost last): an intrinsic send
  // that follows reads them from their slots or as constants, so `i + 1` does not go
  // through the stack's memory. Flushed (pushed) before anything else, before a jump
  // target, and on the intrinsic's slow path. A boundary with deferred pushes is not an
  // entry point (its tier1Map entry is empty).
  std::vector<EmitMode::Deferred> deferred_;
  std::vector<bool> jumpTarget_;
  // Intrinsic sends whose operands were deferred: the code after their slow path pushed
  // them, where a later tier's exit at that bytecode can enter (see tier1Map).
  std::vector<std::pair<uint32_t, Label>> slowEntries_;
  bool deferPush(uint32_t offset);
  void flushDeferred(const std::vector<EmitMode::Deferred>& operands);
};

// Saves the callee-saved registers the code uses and reserves the native frame.
void Generator::enterNativeFrame() {
  a_.push(rbp);
  a_.mov(rbp, rsp);
  a_.push(rbx);
  a_.push(r12);
  a_.push(r13);
  a_.push(r14);
  a_.push(r15);
  a_.sub(rsp, kNativeFrameSize);
  a_.mov(kGlobals, reinterpret_cast<uint64_t>(&U));
}

void Generator::prologue() {
  enterNativeFrame();
  a_.mov(qword_ptr(kInterp, kDirectFlag), 0);
  a_.mov(interpField(offsetof(Interp, f)), rdi);
  a_.mov(kFrame, rdi);
  a_.mov(kSp, rsi);
  a_.mov(kSlots, qword_ptr(rdi, int32_t(offsetof(Frame, slots))));
  a_.mov(interpField(offsetof(Interp, slots)), kSlots);
  a_.mov(rax, reinterpret_cast<uint64_t>(m_->literals));
  a_.mov(interpField(offsetof(Interp, literals)), rax);
  a_.test(rdx, rdx);
  a_.jz(body_);
  a_.jmp(rdx);  // resume at a bytecode boundary (OSR, restart)
}

// The direct entry (tier1::Direct): rdi = the caller's Frame, rsi = the receiver (for
// blocks: the block) and arguments on the VM stack. It does what activate() does for an
// activation without its own context, specialised to this method's sizes: the frame
// record, the stack checks, nil locals.
void Generator::directEntry() {
  a_.bind(direct_);
  enterNativeFrame();
  a_.mov(qword_ptr(kInterp, kDirectFlag), 1);
  a_.lea(kFrame, qword_ptr(rsp, kFrameRecord));
  a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, caller))), rdi);
  a_.mov(rax, reinterpret_cast<uint64_t>(m_));
  a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, method))), rax);
  a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, slots))), rsi);
  a_.mov(rax, reinterpret_cast<uint64_t>(m_->code));
  a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, ip))), rax);
  if (m_->isBlock()) {
    // args[0] is the block: the activation borrows its outer context and sees its self.
    a_.mov(rax, qword_ptr(rsi));
    a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, closure))), rax);
    a_.mov(rcx, qword_ptr(rax, int32_t(offsetof(Block, outer))));
    a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, context))), rcx);
    a_.mov(rcx, qword_ptr(rax, int32_t(offsetof(Block, self))));
    a_.mov(qword_ptr(rsi), rcx);
  } else {
    a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, context))), 0);
    a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, closure))), 0);
  }
  a_.mov(kSlots, rsi);

  // Stack checks (VM stack end, activation depth, native stack), as in activate().
  a_.lea(rax, qword_ptr(rsi, int32_t(8 * m_->frameSize())));
  a_.cmp(rax, GLOBAL(stackLimit));
  a_.jae(overflow_);
  a_.mov(rdx, GLOBAL(depth));
  a_.cmp(rdx, global(offsetof(Universe, options) + offsetof(Options, maxStackDepth)));
  a_.jae(overflow_);
  a_.cmp(rsp, GLOBAL(nativeStackLimit));
  a_.jb(overflow_);
  a_.inc(rdx);
  a_.mov(GLOBAL(depth), rdx);
  Label noRaise = a_.newLabel();
  a_.cmp(rax, GLOBAL(stackHighWater));
  a_.jbe(noRaise);
  a_.mov(GLOBAL(stackHighWater), rax);
  a_.bind(noRaise);

  if (m_->numLocals) {
    a_.mov(rax, U.nil.raw());
    for (unsigned i = 0; i < m_->numLocals; i++) a_.mov(qword_ptr(kSlots, int32_t(8 * (m_->numArgs + i))), rax);
  }
  a_.mov(GLOBAL(currentFrame), kFrame);
  if (m_->flags & kOwnsContext) {
    a_.mov(rdi, kFrame);
    a_.mov(rax, reinterpret_cast<uint64_t>(&openContext));
    a_.call(rax);
  }
  a_.lea(kSp, qword_ptr(kSlots, int32_t(8 * (m_->numArgs + m_->numLocals))));
  a_.mov(interpField(offsetof(Interp, f)), kFrame);
  a_.mov(interpField(offsetof(Interp, slots)), kSlots);
  a_.mov(rax, reinterpret_cast<uint64_t>(m_->literals));
  a_.mov(interpField(offsetof(Interp, literals)), rax);
  if (tier2::enabled()) {
    // Counts calls; past the entry threshold tier 2 runs (or records) the method's entry
    // trace and this code continues where it left off. (Calls through activate() are
    // counted and asked there.)
    a_.mov(rax, reinterpret_cast<uint64_t>(&m_->invocationCount));
    a_.mov(ecx, dword_ptr(rax));
    a_.inc(ecx);
    a_.mov(dword_ptr(rax), ecx);
    a_.cmp(ecx, dword_ptr(kGlobals, int32_t(offsetof(Universe, entryThreshold))));
    a_.jb(body_);
    a_.mov(rax, reinterpret_cast<uint64_t>(&m_->flags));
    a_.test(word_ptr(rax), kNoEntryTrace);
    a_.jnz(body_);
    callEntryTrace();
    a_.mov(rdi, kInterp);
    a_.lea(rsi, ptr(unwind_));
    a_.mov(rax, reinterpret_cast<uint64_t>(&entryFromNative));
    a_.call(rax);
    a_.test(rax, rax);
    a_.jz(body_);
    a_.mov(kSp, interpField(offsetof(Interp, sp)));
    a_.jmp(rax);
  }
  a_.jmp(body_);
}

// The method's entry trace, if it has one, called from here (tier2.h): an exit that
// needs nothing else continues in this code at once; others go through
// afterEntryTraceFromNative. Without a trace (or without stack room for one), on to the
// code after this.
void Generator::callEntryTrace() {
  Label none = a_.newLabel(), noRaise = a_.newLabel(), plain = a_.newLabel();
  saveState(0);  // (uses rax)
  a_.mov(rax, reinterpret_cast<uint64_t>(&m_->tier2EntryCode));
  a_.mov(rax, qword_ptr(rax));
  a_.test(rax, rax);
  a_.jz(none);
  // Primitives the trace calls may collect: the stack words it stores must be roots.
  a_.mov(rcx, reinterpret_cast<uint64_t>(tier2::maxExtentBytes()));
  a_.mov(rcx, qword_ptr(rcx));
  a_.add(rcx, kSlots);
  a_.cmp(rcx, GLOBAL(stackLimit));
  a_.jae(none);
  a_.cmp(rcx, GLOBAL(stackHighWater));
  a_.jbe(noRaise);
  a_.mov(GLOBAL(stackHighWater), rcx);
  a_.bind(noRaise);
  a_.mov(rcx, reinterpret_cast<uint64_t>(tier2::traceEntryCount()));
  a_.inc(qword_ptr(rcx));
  a_.mov(rdi, kSlots);
  a_.mov(rsi, kFrame);
  a_.call(rax);
  a_.mov(rcx, qword_ptr(rax, int32_t(offsetof(tier2::ExitResume, tier1))));
  a_.test(rcx, rcx);
  a_.jnz(plain);
  a_.mov(rdi, kInterp);
  a_.mov(rsi, rax);
  a_.lea(rdx, ptr(unwind_));
  a_.mov(rax, reinterpret_cast<uint64_t>(&afterEntryTraceFromNative));
  a_.call(rax);
  a_.mov(kSp, interpField(offsetof(Interp, sp)));
  a_.jmp(rax);
  a_.bind(plain);
  a_.mov(rdx, reinterpret_cast<uint64_t>(tier2::exitCount()));
  a_.inc(qword_ptr(rdx));
  a_.mov(rdx, qword_ptr(rax, int32_t(offsetof(tier2::ExitResume, spWords))));
  a_.lea(kSp, qword_ptr(kSlots, rdx, 3));
  a_.jmp(rcx);
  a_.bind(none);
}

void Generator::epilogue() {
  a_.bind(epilogue_);
  // Direct entries end their own activation (generic ones return to activate()).
  Label pop = a_.newLabel();
  a_.cmp(qword_ptr(kInterp, kDirectFlag), 0);
  a_.je(pop);
  if (m_->flags & kOwnsContext) {  // the activation is over: its blocks' home is gone
    a_.mov(rcx, qword_ptr(kFrame, int32_t(offsetof(Frame, context))));
    a_.mov(qword_ptr(rcx, int32_t(offsetof(Context, frame))), 0);
  }
  a_.mov(rcx, qword_ptr(kFrame, int32_t(offsetof(Frame, caller))));
  a_.mov(GLOBAL(currentFrame), rcx);
  a_.dec(GLOBAL(depth));
  a_.bind(pop);
  a_.add(rsp, kNativeFrameSize);
  a_.pop(r15);
  a_.pop(r14);
  a_.pop(r13);
  a_.pop(r12);
  a_.pop(rbx);
  a_.pop(rbp);
  a_.ret();

  // A call answered null: restart, return the unwound value, or keep unwinding.
  a_.bind(unwind_);
  a_.mov(rdi, kInterp);
  a_.mov(rax, reinterpret_cast<uint64_t>(&unwindFromNative));
  a_.call(rax);
  Label returnValue = a_.newLabel();
  a_.test(rax, rax);
  a_.jz(returnValue);
  a_.mov(kSp, interpField(offsetof(Interp, sp)));
  a_.jmp(rax);
  a_.bind(returnValue);
  a_.mov(rax, rdx);
  a_.jmp(epilogue_);

  if (hasDirectEntry()) {
    a_.bind(overflow_);
    a_.mov(rdi, kFrame);
    a_.mov(rax, reinterpret_cast<uint64_t>(&stackOverflowFromNative));
    a_.call(rax);
    a_.int3();
  }

  for (auto& stub : stubs_) {
    a_.bind(stub.label);
    a_.mov(rsi, rax);  // the non-Boolean (saveState uses rax)
    saveState(stub.offset);
    a_.mov(rdi, kInterp);
    a_.mov(rax, reinterpret_cast<uint64_t>(&nonBooleanFromNative));
    a_.call(rax);
    a_.int3();
  }
}

void Generator::callHandler(uint32_t offset, const void* fn, uint32_t a, uint32_t b, bool mayUnwind) {
  a_.mov(rdi, kSp);
  a_.mov(rsi, kInterp);
  a_.mov(rdx, reinterpret_cast<uint64_t>(m_->code + offset));
  a_.mov(ecx, a);
  a_.mov(r8d, b);
  a_.mov(rax, reinterpret_cast<uint64_t>(fn));
  a_.call(rax);
  a_.mov(kSp, rax);
  if (mayUnwind) {
    a_.cmp(qword_ptr(kSp, -8), 0);
    a_.je(unwind_);
  }
}

// Pops the condition; jumps to the target when it is `taken`; anything but `other`
// (for Boolean branches) is an error.
void Generator::branch(uint32_t offset, uint64_t taken, uint64_t other, bool checkBoolean) {
  uint32_t target = offset + 3 + readU16(m_->code + offset + 1);
  pop(rax);
  a_.mov(rcx, taken);
  a_.cmp(rax, rcx);
  a_.je(labels_[target]);
  if (checkBoolean) {
    a_.mov(rcx, other);
    a_.cmp(rax, rcx);
    stubs_.push_back({a_.newLabel(), offset});
    a_.jne(stubs_.back().label);
  }
}

// A loop's back edge. With tier 2 (--jit=both) it counts down a counter of its own and,
// when it runs out, lets tier 2 run or record the loop's trace, then continues where that
// left off.
void Generator::loopBack(uint32_t header) {
  if (!tier2::enabled()) {
    a_.jmp(labels_[header]);
    return;
  }
  auto* counter = new uint32_t(backEdgeInterval());  // lives as long as the code
  a_.mov(rax, reinterpret_cast<uint64_t>(counter));
  a_.dec(dword_ptr(rax));
  a_.jnz(labels_[header]);
  saveState(header);
  a_.mov(rdi, kInterp);
  a_.mov(rsi, reinterpret_cast<uint64_t>(counter));
  a_.lea(rdx, ptr(unwind_));
  a_.mov(rax, reinterpret_cast<uint64_t>(&backEdgeFromNative));
  a_.call(rax);
  a_.test(rax, rax);
  a_.jz(labels_[header]);
  a_.mov(kSp, interpField(offsetof(Interp, sp)));
  a_.jmp(rax);
}

bool isIntrinsic(Bc bc) {
  switch (bc) {
    case BC_ADD: case BC_SUB: case BC_MUL: case BC_LT: case BC_LE: case BC_GT: case BC_GE:
    case BC_EQ: case BC_AT: case BC_AT_PUT:
      return true;
    default:
      return false;
  }
}

bool isOperandPush(Bc bc) {
  switch (bc) {
    case BC_PUSH_SLOT: case BC_PUSH_SELF: case BC_PUSH_CONST: case BC_PUSH_NIL:
    case BC_PUSH_TRUE: case BC_PUSH_FALSE: case BC_PUSH_0: case BC_PUSH_1:
      return true;
    default:
      return false;
  }
}

bool Generator::deferPush(uint32_t offset) {
  const uint8_t* p = m_->code + offset;
  if (!isOperandPush(Bc(*p))) return false;
  // Only when an intrinsic send consumes the operand right away (`x + 1`, `a + b`).
  uint32_t next = offset + kBytecodes[*p].length;
  if (next >= m_->codeLength || jumpTarget_[next]) return false;
  if (!isIntrinsic(Bc(m_->code[next]))) {
    if (!isOperandPush(Bc(m_->code[next]))) return false;
    uint32_t second = next + kBytecodes[m_->code[next]].length;
    if (second >= m_->codeLength || jumpTarget_[second] || !isIntrinsic(Bc(m_->code[second])))
      return false;
  }
  EmitMode::Deferred d{false, 0, 0};
  switch (Bc(*p)) {
    case BC_PUSH_SLOT: d = {true, p[1], 0}; break;
    case BC_PUSH_SELF: d = {true, 0, 0}; break;
    case BC_PUSH_CONST: d.raw = m_->literals[readU16(p + 1)].raw(); break;
    case BC_PUSH_NIL: d.raw = U.nil.raw(); break;
    case BC_PUSH_TRUE: d.raw = U.trueObject.raw(); break;
    case BC_PUSH_FALSE: d.raw = U.falseObject.raw(); break;
    case BC_PUSH_0: d.raw = Value::fromSmallInt(0).raw(); break;
    case BC_PUSH_1: d.raw = Value::fromSmallInt(1).raw(); break;
    default: return false;
  }
  if (deferred_.size() == 2) {
    flushDeferred({deferred_.front()});
    deferred_.erase(deferred_.begin());
  }
  deferred_.push_back(d);
  return true;
}

void Generator::flushDeferred(const std::vector<EmitMode::Deferred>& operands) {
  for (const auto& d : operands) {
    if (d.isSlot) a_.mov(rax, qword_ptr(kSlots, int32_t(8 * d.slot)));
    else a_.mov(rax, d.raw);
    push(rax);
  }
}

void Generator::bytecode(uint32_t offset) {
  const uint8_t* p = m_->code + offset;
  Bc bc = Bc(*p);
  const BcInfo& info = kBytecodes[bc];
  if (!isIntrinsic(bc)) {
    flushDeferred(deferred_);
    deferred_.clear();
  }
  if (info.tier1 == Tier1::Call || info.kind == BcKind::Send) {
    if (bc == BC_RETURN_NONLOCAL) {
      saveState(offset);
      a_.mov(rdi, kInterp);
      a_.mov(esi, p[1]);
      a_.mov(rax, reinterpret_cast<uint64_t>(&returnNonLocalFromNative));
      a_.call(rax);
      a_.jmp(epilogue_);
      return;
    }
    if (bc == BC_SEND) {
      send(offset);
      return;
    }
    if (inlineFastPath(offset)) return;
    if (bc == BC_PUSH_GLOBAL) {
      // A bound global is a load from its Symbol; unbound ones take the handler
      // (unknownGlobal:).
      Label slow = a_.newLabel(), done = a_.newLabel();
      a_.mov(rax, reinterpret_cast<uint64_t>(asString(m_->literals[readU16(p + 1)])));
      a_.mov(rax, qword_ptr(rax, int32_t(offsetof(String, global))));
      a_.test(rax, rax);
      a_.jz(slow);
      push(rax);
      a_.jmp(done);
      a_.bind(slow);
      callHandler(offset, reinterpret_cast<const void*>(handlerFor(bc)), readU16(p + 1), 0, true);
      a_.bind(done);
      return;
    }
    uint32_t a = readU16(p + 1);
    uint32_t b = info.length >= 5 ? readU16(p + 3) : 0;
    bool mayUnwind = info.kind == BcKind::Send || bc == BC_PUSH_GLOBAL;
    callHandler(offset, reinterpret_cast<const void*>(handlerFor(bc)), a, b, mayUnwind);
    return;
  }
  switch (bc) {
    case BC_PUSH_SLOT:
      a_.mov(rax, qword_ptr(kSlots, 8 * p[1]));
      push(rax);
      return;
    case BC_PUSH_SELF:
      a_.mov(rax, qword_ptr(kSlots));
      push(rax);
      return;
    case BC_PUSH_CTX:
      loadContext(rax, p[2]);
      a_.mov(rax, qword_ptr(rax, int32_t(offsetof(Context, vars) + 8 * p[1])));
      push(rax);
      return;
    case BC_PUSH_FIELD:
      a_.mov(rax, qword_ptr(kSlots));
      a_.mov(rax, qword_ptr(rax, 8 * p[1]));
      push(rax);
      return;
    case BC_PUSH_CONST:
      a_.mov(rax, m_->literals[readU16(p + 1)].raw());
      push(rax);
      return;
    case BC_PUSH_NIL:
    case BC_PUSH_TRUE:
    case BC_PUSH_FALSE:
    case BC_PUSH_0:
    case BC_PUSH_1: {
      Value v = bc == BC_PUSH_NIL    ? U.nil
                : bc == BC_PUSH_TRUE ? U.trueObject
                : bc == BC_PUSH_FALSE ? U.falseObject
                : Value::fromSmallInt(bc == BC_PUSH_1 ? 1 : 0);
      a_.mov(rax, v.raw());
      push(rax);
      return;
    }
    case BC_POP:
      a_.sub(kSp, 8);
      return;
    case BC_DUP:
      a_.mov(rax, qword_ptr(kSp, -8));
      push(rax);
      return;
    case BC_POP_SLOT:
      pop(rax);
      a_.mov(qword_ptr(kSlots, 8 * p[1]), rax);
      return;
    case BC_POP_CTX:
      pop(rcx);
      loadContext(rax, p[2]);
      a_.mov(qword_ptr(rax, int32_t(offsetof(Context, vars) + 8 * p[1])), rcx);
      return;
    case BC_POP_FIELD:
      pop(rcx);
      a_.mov(rax, qword_ptr(kSlots));
      a_.mov(qword_ptr(rax, 8 * p[1]), rcx);
      return;
    case BC_JUMP:
      a_.jmp(labels_[offset + 3 + readU16(p + 1)]);
      return;
    case BC_JUMP_BACK:
      loopBack(offset + 3 - readU16(p + 1));
      return;
    case BC_JUMP_IF_TRUE:
      branch(offset, U.trueObject.raw(), U.falseObject.raw(), true);
      return;
    case BC_JUMP_IF_FALSE:
      branch(offset, U.falseObject.raw(), U.trueObject.raw(), true);
      return;
    case BC_JUMP_IF_NIL: {
      pop(rax);
      a_.mov(rcx, U.nil.raw());
      a_.cmp(rax, rcx);
      a_.je(labels_[offset + 3 + readU16(p + 1)]);
      return;
    }
    case BC_JUMP_IF_NOT_NIL: {
      pop(rax);
      a_.mov(rcx, U.nil.raw());
      a_.cmp(rax, rcx);
      a_.jne(labels_[offset + 3 + readU16(p + 1)]);
      return;
    }
    case BC_RETURN_LOCAL:
      a_.mov(rax, qword_ptr(kSp, -8));
      a_.jmp(epilogue_);
      return;
    case BC_RETURN_SELF:
      a_.mov(rax, qword_ptr(kSlots));
      a_.jmp(epilogue_);
      return;
    default:
      break;
  }
  std::fprintf(stderr, "tier1: no template for %s\n", info.name);
  std::abort();
}

// The intrinsic sends (arithmetic, comparisons, Array at:/at:put:): their handler's fast
// path, instantiated in Emit mode, inline; its slow path is a call to the handler.
bool Generator::inlineFastPath(uint32_t offset) {
  const uint8_t* p = m_->code + offset;
  Bc bc = Bc(*p);
  switch (bc) {
    case BC_ADD: case BC_SUB: case BC_MUL: case BC_LT: case BC_LE: case BC_GT: case BC_GE:
    case BC_EQ: case BC_AT: case BC_AT_PUT:
      break;
    default:
      return false;  // (only these have a literal and an inline-cache operand to read)
  }
  unsigned lit = readU16(p + 1), ic = readU16(p + 3);
  Label slow = a_.newLabel(), done = a_.newLabel();
  std::vector<EmitMode::Deferred> deferred = std::move(deferred_);
  deferred_.clear();
  EmitMode e(a_, slow, kSp, kSlots, expectsDoubles(m_, ic), deferred);
  // A comparison followed by a conditional jump on its result: branch on the flags.
  bool isComparison = bc == BC_LT || bc == BC_LE || bc == BC_GT || bc == BC_GE || bc == BC_EQ;
  uint32_t next = offset + kBytecodes[bc].length;
  if (isComparison && next < m_->codeLength &&
      (m_->code[next] == BC_JUMP_IF_FALSE || m_->code[next] == BC_JUMP_IF_TRUE)) {
    Label target = labels_[next + 3 + readU16(m_->code + next + 1)];
    Label fallThrough = labels_[next + 3];
    if (m_->code[next] == BC_JUMP_IF_FALSE) e.fuseBranch(fallThrough, target);
    else e.fuseBranch(target, fallThrough);
  }
  switch (bc) {
    case BC_ADD: op::ADD(e, lit, ic); break;
    case BC_SUB: op::SUB(e, lit, ic); break;
    case BC_MUL: op::MUL(e, lit, ic); break;
    case BC_LT: op::LT(e, lit, ic); break;
    case BC_LE: op::LE(e, lit, ic); break;
    case BC_GT: op::GT(e, lit, ic); break;
    case BC_GE: op::GE(e, lit, ic); break;
    case BC_EQ: op::EQ(e, lit, ic); break;
    case BC_AT: op::AT(e, lit, ic); break;
    case BC_AT_PUT: op::AT_PUT(e, lit, ic); break;
    default: return false;  // unreachable: filtered above
  }
  a_.jmp(done);
  a_.bind(slow);
  flushDeferred(deferred);  // nothing was changed before the slow path: push them now
  if (!deferred.empty()) {
    slowEntries_.push_back({offset, a_.newLabel()});
    a_.bind(slowEntries_.back().second);
  }
  // Type feedback: the slow path notes two immediate Double operands; after enough of
  // them the method is compiled again with the Double path first.
  if (bc != BC_AT && bc != BC_AT_PUT) {
    Label noFeedback = a_.newLabel();
    a_.mov(rax, qword_ptr(kSp, -8));
    a_.and_(eax, 7);
    a_.cmp(eax, uint32_t(Tag::Double));
    a_.jne(noFeedback);
    a_.mov(rax, qword_ptr(kSp, -16));
    a_.and_(eax, 7);
    a_.cmp(eax, uint32_t(Tag::Double));
    a_.jne(noFeedback);
    a_.mov(rdi, reinterpret_cast<uint64_t>(m_));
    a_.mov(esi, ic);
    a_.mov(rdx, kSp);
    a_.mov(rax, reinterpret_cast<uint64_t>(&noteSlowOperands));
    a_.call(rax);
    a_.bind(noFeedback);
  }
  // The full send, as the handler's slow path would make it.
  send(offset);
  a_.bind(done);
  return true;
}

// Calls the direct entry of `method` (a register) with the receiver and arguments at
// kSp + receiver and goes to `done`; goes to `none` when it has no tier-1 code.
void Generator::callDirectEntry(const Gp& method, int32_t receiver, const Label& none, const Label& done) {
  a_.mov(rdx, qword_ptr(method, int32_t(offsetof(Method, tier1Direct))));
  a_.test(rdx, rdx);
  a_.jz(none);
  a_.mov(rdi, kFrame);
  a_.lea(rsi, qword_ptr(kSp, receiver));
  a_.call(rdx);
  a_.jmp(done);
}

// A send site: the receiver's class (from its tag, or its header) is checked against both
// entries of the site's inline cache natively. A hit on a compiled method calls its direct
// entry; on a primitive (or a native standing in for a library method) calls it; on a
// trivial method answers it in place. Everything else (misses, megamorphic sites,
// interpreted callees, doesNotUnderstand:) takes the SEND handler, which has the full
// inline-cache logic. Intrinsic sends whose fast path failed come here too.
void Generator::send(uint32_t offset) {
  const uint8_t* p = m_->code + offset;
  uint32_t lit = readU16(p + 1), ic = readU16(p + 3);
  uint32_t argc = asString(m_->literals[lit])->numArgs;
  int32_t receiver = -int32_t(8 * (argc + 1));
  Label slow = a_.newLabel(), done = a_.newLabel();
  Label tagged = a_.newLabel(), haveClass = a_.newLabel();
  a_.mov(rdi, qword_ptr(kSp, receiver));
  a_.test(dil, 7);
  a_.jnz(tagged);
  a_.mov(rax, qword_ptr(rdi, int32_t(offsetof(Object, cls))));
  a_.bind(haveClass);
  a_.mov(rcx, reinterpret_cast<uint64_t>(&m_->caches[ic]));
  // Both entries of the cache (monomorphic and bimorphic sites).
  Label second = a_.newLabel(), hit = a_.newLabel();
  a_.cmp(rax, qword_ptr(rcx, int32_t(offsetof(InlineCache, cls))));
  a_.jne(second);
  a_.mov(rax, qword_ptr(rcx, int32_t(offsetof(InlineCache, target))));
  a_.jmp(hit);
  a_.bind(second);
  a_.cmp(rax, qword_ptr(rcx, int32_t(offsetof(InlineCache, cls2))));
  Label miss = a_.newLabel();
  a_.jne(miss);
  a_.mov(rax, qword_ptr(rcx, int32_t(offsetof(InlineCache, target2))));
  a_.bind(hit);
  Label native = a_.newLabel(), notDirect = a_.newLabel(), haveResult = a_.newLabel();
  a_.mov(rdx, reinterpret_cast<uint64_t>(p));
  a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, ip))), rdx);
  // Block evaluation (value, value:, value:with:) of a compiled block of the right arity:
  // call its body's direct entry, as the primitive would.
  std::string_view selector = asString(m_->literals[lit])->view();
  if (PrimitiveFn evaluate = blockEvaluation(argc);
      evaluate && (selector == "value" || selector == "value:" || selector == "value:with:")) {
    Label generic = a_.newLabel();
    a_.mov(rdx, reinterpret_cast<uint64_t>(evaluate));
    a_.cmp(rdx, qword_ptr(rax, int32_t(offsetof(Method, native))));
    a_.jne(generic);
    a_.mov(rcx, qword_ptr(rdi, int32_t(offsetof(Block, code))));
    a_.cmp(word_ptr(rcx, int32_t(offsetof(Method, numArgs))), argc + 1);
    a_.jne(generic);
    callDirectEntry(rcx, receiver, generic, haveResult);
    a_.bind(generic);
  }
  // Compiled callee: its direct entry builds the frame.
  callDirectEntry(rax, receiver, notDirect, haveResult);
  a_.bind(notDirect);
  a_.mov(rdx, qword_ptr(rax, int32_t(offsetof(Method, native))));
  a_.test(rdx, rdx);
  a_.jnz(native);
  // Trivial methods (interp/trivial.h), as answerTrivial() answers them. Getters and
  // setters only exist in classes with fields, so their receiver is a heap object.
  Label notGetter = a_.newLabel(), notConstant = a_.newLabel(), result = a_.newLabel();
  a_.movzx(ecx, byte_ptr(rax, int32_t(offsetof(Method, trivialKind))));
  a_.movzx(edx, word_ptr(rax, int32_t(offsetof(Method, trivialOperand))));
  a_.cmp(ecx, kGetter);
  a_.jne(notGetter);
  a_.mov(rax, qword_ptr(rdi, rdx, 3));
  a_.jmp(result);
  a_.bind(notGetter);
  a_.cmp(ecx, kReturnsConstant);
  a_.jne(notConstant);
  a_.mov(rax, qword_ptr(rax, int32_t(offsetof(Method, trivialConstant))));
  a_.jmp(result);
  a_.bind(notConstant);
  a_.mov(rax, rdi);
  a_.cmp(ecx, kReturnsSelf);
  a_.je(result);
  if (argc == 1) {
    a_.cmp(ecx, kSetter);
    a_.jne(slow);
    a_.mov(rcx, qword_ptr(kSp, -8));
    a_.mov(qword_ptr(rdi, rdx, 3), rcx);  // the receiver (rax) is the result
  } else {
    a_.jmp(slow);
  }
  a_.bind(result);
  a_.lea(kSp, qword_ptr(kSp, receiver + 8));
  a_.mov(qword_ptr(kSp, -8), rax);
  a_.jmp(done);
  // A primitive (or a native standing in for a library method).
  a_.bind(native);
  a_.lea(rdi, qword_ptr(kSp, receiver));
  a_.mov(rsi, kFrame);
  a_.call(rdx);
  a_.bind(haveResult);
  a_.lea(kSp, qword_ptr(kSp, receiver + 8));
  a_.mov(qword_ptr(kSp, -8), rax);
  a_.test(rax, rax);
  a_.jz(unwind_);
  a_.jmp(done);
  // SmallIntegers and immediate Doubles (the only tags besides pointers).
  a_.bind(tagged);
  a_.mov(rax, GLOBAL(integerClass));
  a_.test(dil, uint64_t(Tag::Int));
  a_.cmovz(rax, GLOBAL(doubleClass));
  a_.jmp(haveClass);
  // A miss (or a megamorphic site): the lookup the handler would make (through the
  // global lookup cache, refilling the inline cache while the site is not megamorphic),
  // then the same dispatch; doesNotUnderstand: is the handler's.
  a_.bind(miss);
  a_.mov(rdi, rcx);
  a_.mov(rsi, rax);
  a_.mov(rdx, reinterpret_cast<uint64_t>(asString(m_->literals[lit])));
  a_.mov(rax, reinterpret_cast<uint64_t>(&fillCache));
  a_.call(rax);
  a_.test(rax, rax);
  a_.jz(slow);
  a_.mov(rdi, qword_ptr(kSp, receiver));
  a_.jmp(hit);
  a_.bind(slow);
  callHandler(offset, reinterpret_cast<const void*>(handlerFor(BC_SEND)), lit, ic, true);
  a_.bind(done);
}

struct LogContext {
  Method* m;
  std::vector<std::pair<uint32_t, uint32_t>> nativeToBytecode;  // sorted by native offset
};

std::string annotateOffset(size_t offset, void* ctx) {
  auto* log = static_cast<LogContext*>(ctx);
  std::string out;
  for (auto& [native, bc] : log->nativeToBytecode)
    if (native == offset) out += "              ; " + describeBytecode(log->m, bc) + "\n";
  return out;
}

bool Generator::run() {
  code_.init(jit::CodeCache::instance().environment());
  code_.attach(&a_);
  labels_.resize(m_->codeLength + 1);
  std::vector<uint32_t> offsets;
  for (uint32_t off = 0; off < m_->codeLength; off += kBytecodes[m_->code[off]].length) {
    labels_[off] = a_.newLabel();
    offsets.push_back(off);
  }
  epilogue_ = a_.newLabel();
  unwind_ = a_.newLabel();
  body_ = a_.newLabel();
  direct_ = a_.newLabel();
  overflow_ = a_.newLabel();
  prologue();
  if (hasDirectEntry()) directEntry();
  a_.bind(body_);
  jumpTarget_.assign(m_->codeLength + 1, false);
  jumpTarget_[0] = true;
  for (uint32_t off : offsets) {
    const uint8_t* p = m_->code + off;
    switch (kBytecodes[*p].kind) {
      case BcKind::Jump:
      case BcKind::Branch: jumpTarget_[off + 3 + readU16(p + 1)] = true; break;
      case BcKind::LoopBack: jumpTarget_[off + 3 - readU16(p + 1)] = true; break;
      default: break;
    }
  }
  std::vector<bool> enterable(m_->codeLength + 1, true);
  for (uint32_t off : offsets) {
    if (jumpTarget_[off]) {
      flushDeferred(deferred_);
      deferred_.clear();
    }
    a_.bind(labels_[off]);
    enterable[off] = deferred_.empty();
    if (deferPush(off)) continue;
    bytecode(off);
  }
  epilogue();

  void* fn = jit::CodeCache::instance().add(code_, "som:" + methodName(m_));
  if (!fn) return false;
  auto* map = static_cast<uint32_t*>(heap::allocateAtomic(sizeof(uint32_t) * (m_->codeLength + 1)));
  for (uint32_t i = 0; i <= m_->codeLength; i++) map[i] = UINT32_MAX;
  for (uint32_t off : offsets)
    if (enterable[off]) map[off] = uint32_t(code_.labelOffsetFromBase(labels_[off]));
  for (auto& [off, label] : slowEntries_) map[off] = uint32_t(code_.labelOffsetFromBase(label));
  m_->tier1Map = map;
  m_->tier1Code = fn;
  if (hasDirectEntry())
    m_->tier1Direct = static_cast<uint8_t*>(fn) + code_.labelOffsetFromBase(direct_);

  if (U.options.jitLog) {
    LogContext log{m_, {}};
    for (uint32_t off : offsets) log.nativeToBytecode.push_back({map[off], off});
    std::fprintf(stderr, "=== tier1 %s: %zu bytecodes, %zu bytes of code\n%s--- native code\n%s\n",
                 methodName(m_).c_str(), offsets.size(), code_.codeSize(),
                 disassembleMethod(m_).c_str(),
                 jit::disassemble(static_cast<const uint8_t*>(fn), code_.codeSize(), annotateOffset, &log)
                     .c_str());
  }
  gStats.bytecodesCompiled += offsets.size();
  return true;
}

}  // namespace

void configure(bool enabled) {
  gEnabled = enabled;
  jit::CodeCache::instance().configure(U.options.codeCacheBytes, U.options.perfMap);
  if (!enabled) {
    U.tier1Threshold = UINT32_MAX;
    return;
  }
  int64_t t = U.options.tier1Threshold;
  U.tier1Threshold = t < 0 ? 100 : uint32_t(t);
}

bool compile(Method* m) {
  if (m->tier1Code) return true;
  if (!gEnabled || m->tier1State != 0 || m->isPrimitive() || !m->code) return false;
  auto start = std::chrono::steady_clock::now();
  Generator g(m);
  bool ok = g.run();
  gStats.compileMicros += uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - start)
                                       .count());
  m->tier1State = ok ? 1 : 2;
  if (ok) gStats.methodsCompiled++;
  else gStats.failed++;
  return ok;
}

const void* loopEntry(Method* m, const uint8_t* ip) {
  if (!m->tier1Code && !compile(m)) {
    m->invocationCount = 0;  // do not come back on every iteration
    return nullptr;
  }
  return entryAt(m, uint32_t(ip - m->code));
}

const Stats& stats() { return gStats; }

// Intrinsic send sites keep their feedback in their (otherwise unused) inline cache: the
// number of slow-path executions on two immediate Doubles.
constexpr uint64_t kDoubleFeedbackThreshold = 64;

bool expectsDoubles(const Method* m, unsigned ic) {
  return m->caches[ic].fills >= kDoubleFeedbackThreshold;
}

void noteSlowOperands(Method* m, unsigned ic, const Value* sp) {
  InlineCache& c = m->caches[ic];
  if (!sp[-1].isImmediateDouble() || !sp[-2].isImmediateDouble()) return;
  if (++c.fills != kDoubleFeedbackThreshold) return;
  // Recompile; activations still running the old code finish in it.
  m->tier1State = 0;
  m->tier1Code = nullptr;
  m->tier1Direct = nullptr;
  compile(m);
}

}  // namespace som::tier1
