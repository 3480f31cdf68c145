// The tier-2 trace assembler's shared declarations (internal to backend.cpp, which emits
// code, and regalloc.cpp, which decides where values live). See backend.cpp for the code
// shape and regalloc.cpp for the analyses.
#pragma once

#include <asmjit/x86.h>

#include <bit>
#include <cstdio>
#include <vector>

#include "interp/interpreter.h"
#include "jit/tier2/backend.h"
#include "jit/tier2/exit_map.h"
#include "vm/numbers.h"
#include "vm/universe.h"

namespace som::tier2 {

using namespace asmjit;
using namespace asmjit::x86;

inline const Gp kSlots = rdi;
inline const Gp kFrame = rsi;
// Scratch registers of the instruction templates; never allocated.
inline const Gp kAcc = r11, kTmp = r10, kTmp2 = r9;
inline const Xmm kF0 = xmm14, kF1 = xmm15;
inline const Gp kAllocatable[] = {rax, rcx, rdx, rbx, r8, rbp, r12, r13, r14, r15};
inline const Gp kCalleeSaved[] = {rbx, rbp, r12, r13, r14, r15};

inline bool producesValue(IrOp op) {
  switch (op) {
    case IrOp::STORE:
    case IrOp::STOREX:
    case IrOp::GUARDT:
    case IrOp::GUARDF:
    case IrOp::SSTORE:
    case IrOp::HEAD:
    case IrOp::PHI:
    case IrOp::LOOP:
    case IrOp::LINK:
      return false;
    default:
      return true;
  }
}

// Allocations for exits and for traces (they may collect: the trace's values are in
// registers saved on the native stack, which the collector scans, or on the VM stack below
// its high-water mark).
inline uint64_t boxDoubleAtExit(uint64_t bits) { return newDouble(std::bit_cast<double>(bits)).raw(); }
inline uint64_t newBlockFromTrace(Method* code, Context* outer, uint64_t self) {
  return Value::fromObject(newBlock(code, outer, Value::fromRaw(self))).raw();
}
// A send the trace makes as a call (CALLM): as the interpreter would, with the caller's
// frame at the send (for backtraces).
inline uint64_t callFromTrace(Method* m, Value* args, Frame* caller, const uint8_t* send) {
  caller->ip = send;
  return invoke(m, args, caller).raw();
}
// The same from inside inlined activations (a method calling itself further down, say):
// `levels` are their `count` frame records, outermost first (the last one's ip is the
// send), which the trace wrote on its native stack so that the callee's backtrace,
// non-local returns and restarts find them. Their
// contexts point to them during the call only; an unwinding aimed at one of them is
// handed to the exit (inlinedLevelStandIn), which resumes the activations for real.
// (`owning`: a bit for each level that owns its context.)
inline uint64_t callFromInlinedLevels(Method* m, Value* args, Frame* levels, uint64_t count, uint64_t owning) {
  for (uint64_t bits = owning; bits; bits &= bits - 1) {
    Frame& level = levels[std::countr_zero(bits)];
    level.context->frame = &level;
  }
  Value result = invoke(m, args, &levels[count - 1]);
  for (uint64_t bits = owning; bits; bits &= bits - 1) levels[std::countr_zero(bits)].context->frame = nullptr;
  U.currentFrame = levels[0].caller;
  if (result.isNull())
    for (uint64_t k = 0; k < count; k++)
      if (U.unwindTarget == &levels[k]) U.unwindTarget = const_cast<Frame*>(inlinedLevelStandIn(uint32_t(k + 1)));
  return result.raw();
}
// (No activation frame: a trace runs no non-local return; an exit that resumes the
// activation gives the context its frame.)
inline uint64_t newContextFromTrace(Method* m, Context* outer) {
  return reinterpret_cast<uint64_t>(newContext(m->numContextVars, outer, nullptr));
}
inline uint64_t newArrayFromTrace(uint64_t length) { return Value::fromObject(newArray(length)).raw(); }

class TraceAssembler {
 public:
  TraceAssembler(const TraceRequest& request, Assembler& a, TraceExits& exits)
      : t_(*request.trace), a_(a), ins_(t_.instructions()), req_(request), exits_(exits) {}
  void run();
  int32_t frameBytes() const { return frameBytes_; }
  const Label& exitReturn() const { return exitReturn_; }
  const Label& loopStart() const { return loop_; }
  const Label& adaptedStart() const { return adapt_; }

 private:
  void computeLiveness();
  void findValuesOnlyExitsNeed();
  bool conditionKnownAtExit(IrRef select, int32_t snapshot) const;
  // A store into a context or (at a constant index) an Array that the trace made.
  bool isObjectStore(IrRef n) const {
    const IrIns& i = ins_[n];
    if (i.op == IrOp::STORE) return ins_[i.a].op == IrOp::NEWCTX;
    return i.op == IrOp::STOREX && ins_[i.a].op == IrOp::NEWARR && t_.isConstant(i.b);
  }
  void describeExits();
  void select(const IrIns& i);  // kAcc := i.a ? i.b : i.c
  void writeLevelFrames(const Snapshot& s, const uint8_t* send);
  template <class F>
  void callNative(IrRef at, const void* fn, F&& setArguments);
  template <class F>
  void callOut(IrRef at, F&& emitCall);
  void callMethod(IrRef n, Method* m, const uint8_t* send);
  bool emitted(IrRef n) const { return needed_[n] && !atExit_[n]; }
  // Calls f(r) for each operand of n, and if `snapshots`, for each value its snapshot lists.
  template <class F>
  void forEachOperand(IrRef n, bool snapshots, F&& f) const {
    const IrIns& i = ins_[n];
    uint8_t operands = kIrOps[uint8_t(i.op)].operands;
    if (operands > 0 && i.a != kNoRef) f(i.a);
    if (operands > 1 && i.b != kNoRef) f(i.b);
    if (operands > 2 && i.c != kNoRef) f(i.c);
    if (snapshots && i.snapshot >= 0) {
      const Snapshot& s = t_.snapshots()[size_t(i.snapshot)];
      for (auto& [slot, ref] : s.slots) f(ref);
      for (const SnapFrame& frame : s.frames)
        for (IrRef r : {frame.closure, frame.context})
          if (r != kNoRef) f(r);
    }
  }
  // The values n's code uses where it is emitted: its operands, and what its snapshot's
  // exit writes (for values computed at the exit, their operands). Nothing for values
  // computed at exits and for PHIs between them.
  template <class F>
  void forEachUse(IrRef n, F&& f) const {
    if (atExit_[n] || (ins_[n].op == IrOp::PHI && atExit_[ins_[n].a])) return;
    forEachOperand(n, false, f);
    int32_t s = ins_[n].snapshot;
    if (s < 0) return;
    for (auto& [slot, ref] : t_.snapshots()[size_t(s)].slots) forEachExitUse(ref, s, f);
    for (const SnapFrame& frame : t_.snapshots()[size_t(s)].frames)
      for (IrRef r : {frame.closure, frame.context})
        if (r != kNoRef) forEachExitUse(r, s, f);
  }
  // What the exit of snapshot `s` uses to write `ref`: the value, or for a value computed
  // there its operands (none for a Boolean of the condition whose guard failed there).
  template <class F>
  [[gnu::always_inline]] void forEachExitUse(IrRef ref, int32_t s, F&& f) const {
    if (!atExit_[ref]) return f(ref);
    const IrIns& i = ins_[ref];
    if (i.op == IrOp::SELECT && conditionKnownAtExit(ref, s)) return;
    if (i.a != kNoRef && !atExit_[i.a]) f(i.a);  // (a block's context made there: written first)
    if (i.op == IrOp::NEWBLK) f(i.b);
    if (i.op == IrOp::NEWCTX || i.op == IrOp::NEWARR) forEachStoredValue(ref, s, f);
  }
  template <class F>
  [[gnu::noinline]] void forEachStoredValue(IrRef object, int32_t s, F& f) const {
    forEachStoreInto(ins_, objectStores_, object, firstGuard_[size_t(s)],
                     [&](const IrIns& store) { f(Trace::storedValue(store)); });
  }
  void allocate(IrRef n);
  void expire(IrRef n);
  void instruction(IrRef n);
  bool guardOnComparison(IrRef guard);
  void phiMoves();

  bool fitsImm32(uint64_t v) const { return int64_t(v) == int64_t(int32_t(v)); }
  // The value of r as a second operand: a register, a stack word, or a 32-bit immediate;
  // 64-bit constants go through `via`.
  Operand source(IrRef r, const Gp& via) {
    const Location& l = loc_[r];
    switch (l.kind) {
      case Location::Register: return l.reg();
      case Location::Stack: return qword_ptr(rsp, l.offset);
      case Location::Constant:
        if (fitsImm32(l.constant)) return Imm(int64_t(l.constant));
        a_.mov(via, l.constant);
        return via;
      case Location::None: break;
    }
    std::fprintf(stderr, "tier2: a value without a location\n");
    std::abort();
  }
  void load(const Gp& dst, IrRef r) { loadLocation(a_, dst, loc_[r]); }
  // The register that holds r, or `via` with r loaded into it.
  Gp inRegister(IrRef r, const Gp& via) {
    if (loc_[r].kind == Location::Register) return loc_[r].reg();
    load(via, r);
    return via;
  }
  // Where n's result is best computed: its own register (no value live at n has it),
  // else kAcc, from where result() stores it.
  Gp resultRegister(IrRef n) const { return loc_[n].kind == Location::Register ? loc_[n].reg() : kAcc; }
  // Sets the flags as cmp a, b (no memory-to-memory form: a goes through kAcc then).
  void compare(IrRef a, IrRef b) {
    Operand left = compared(a);
    if (left.isMem() && loc_[b].kind == Location::Stack) {
      load(kAcc, a);
      left = kAcc;
    }
    a_.emit(Inst::kIdCmp, left, source(b, kTmp));
  }
  // An operand that cmp/test can take as the first one (never an immediate).
  Operand compared(IrRef r) {
    const Location& l = loc_[r];
    if (l.kind == Location::Register) return l.reg();
    if (l.kind == Location::Stack) return qword_ptr(rsp, l.offset);
    load(kAcc, r);
    return kAcc;
  }
  // The operands of a double operation into kF0 and kF1. Doubles live in general
  // registers (as bit patterns); kF0 and kF1 remember which values they still hold, so
  // that a chain of operations (zr * zr + (zi * zi)) passes its intermediate results in
  // XMM registers instead of moving each through a general one and back.
  void loadDoubles(IrRef a, IrRef b) {
    if (inF_[0] == b && inF_[0] != a) {  // b would be overwritten by a: move it first
      loadDouble(kF1, b);
      loadDouble(kF0, a);
    } else {
      loadDouble(kF0, a);
      loadDouble(kF1, b);
    }
  }
  void loadDouble(const Xmm& dst, IrRef r) {
    int k = dst == kF0 ? 0 : 1;
    if (inF_[k] == r) return;
    if (inF_[1 - k] == r) {
      a_.movapd(dst, k == 0 ? kF1 : kF0);
    } else {
      const Location& l = loc_[r];
      if (l.kind == Location::Stack) a_.movq(dst, qword_ptr(rsp, l.offset));
      else if (l.kind == Location::Register) a_.movq(dst, l.reg());
      else {
        load(kAcc, r);
        a_.movq(dst, kAcc);
      }
    }
    inF_[k] = r;
  }
  // At a label other code jumps to, and after calls (XMM registers are caller-saved).
  void forgetDoubles() { inF_[0] = inF_[1] = kNoRef; }
  IrRef inF_[2] = {kNoRef, kNoRef};  // what kF0 and kF1 hold (loadDouble)
  void result(IrRef n, const Gp& src) {
    const Location& l = loc_[n];
    if (l.kind == Location::Register) a_.mov(l.reg(), src);
    else if (l.kind == Location::Stack) a_.mov(qword_ptr(rsp, l.offset), src);
  }
  // Computes `a op b` into n's register when it has one that b does not occupy (else
  // into kAcc); answers where the result is.
  template <class Op>
  Gp arithmetic(IrRef n, Op op) {
    const Location& l = loc_[n];
    const Location& b = loc_[ins_[n].b];
    Gp target = l.kind == Location::Register && !(b.kind == Location::Register && b.reg() == l.reg()) ? l.reg() : kAcc;
    load(target, ins_[n].a);
    op(target, source(ins_[n].b, kTmp));
    return target;
  }

  const Trace& t_;
  Assembler& a_;
  const std::vector<IrIns>& ins_;
  std::vector<bool> needed_;
  std::vector<bool> atExit_;       // values computed by the exit stubs that need them
  std::vector<IrRef> onlyGuard_;   // per snapshot: its one emitted guard, or kNoRef
  std::vector<IrRef> firstGuard_;  // per snapshot: its first guard
  std::vector<IrRef> objectStores_;  // stores into contexts and Arrays that the exits make
  std::vector<IrRef> sunkInto_;  // comparisons emitted at their guard
  IrRef head_ = kNoRef, loopEnd_ = kNoRef;  // a peeled loop's HEAD and LOOP
  int32_t phiTemps_ = 0;                   // spill words for the PHIs' parallel move
  int32_t levelFrames_ = 0;                // spill words for frame records (CALLM in inlined calls)
  Label body_;
  std::vector<IrRef> lastUse_;
  std::vector<uint32_t> uses_;
  std::vector<Location> loc_;
  std::vector<bool> free_;  // per kAllocatable entry
  std::vector<bool> carried_;  // PHI operands: they keep their registers (allocate())
  std::vector<IrRef> active_;
  int32_t stackWords_ = 0;
  int32_t frameBytes_ = 0;
  std::vector<Label> exitLabels_;
  Label exitReturn_;  // where exits leave, answering the token of the map in kAcc
  Label loop_;
  Label adapt_;  // re-recorded roots: the entry for LINKs made for the loop's first root
  const TraceRequest& req_;
  TraceExits& exits_;
  void adjustFrame(int32_t from, int32_t to);
};


}  // namespace som::tier2
