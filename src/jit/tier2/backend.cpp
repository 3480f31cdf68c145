// Tier-2 code generation: x86-64 for a recorded trace, through the shared backend
// (jit/backend: code cache, perf map, disassembly, the Double encoding).
//
// Register allocation is one linear scan over the trace. A value lives from its
// instruction to its last use, where uses include the snapshots of later guards (an exit
// writes the snapshot's values to the frame). Every value of an iteration dies at its
// end (the next iteration reloads frame slots), so no value crosses the loop's back edge.
// A value gets one location for its whole life: a register, or a stack word when none is
// free; constants stay immediates.
//
// All traces share one native frame shape: the callee-saved registers, then a spill area
// of the trace's own size. A root trace is a function, `exit token (Value* slots, Frame*)`,
// that pushes them; everything that leaves a trace through memory can go on in another
// one by adjusting rsp to that trace's spill area and jumping: an exit stub writes its
// snapshot's words to the VM stack and jumps through its target slot (its own return
// path, or a side trace entered with the parent's frame); LINK jumps to another root's
// loop start. Any trace's return path pops the shared registers and returns.
#include "jit/tier2/backend.h"

#include <asmjit/x86.h>

#include <bit>
#include <cstdio>
#include <unordered_map>
#include <vector>

#include "jit/backend/code_cache.h"
#include "jit/backend/disasm.h"
#include "jit/backend/double_encoding.h"
#include "vm/numbers.h"
#include "vm/universe.h"

namespace som::tier2 {

using namespace asmjit;
using namespace asmjit::x86;

namespace {

const Gp kSlots = rdi;
const Gp kFrame = rsi;
// Scratch registers of the instruction templates; never allocated.
const Gp kAcc = r11, kTmp = r10, kTmp2 = r9;
const Xmm kF0 = xmm14, kF1 = xmm15;
const Gp kAllocatable[] = {rax, rcx, rdx, rbx, r8, rbp, r12, r13, r14, r15};
const Gp kCalleeSaved[] = {rbx, rbp, r12, r13, r14, r15};

struct Location {
  enum Kind { None, Register, Stack, Constant } kind = None;
  Gp reg;
  int32_t offset = 0;  // Stack: from rsp
  uint64_t constant = 0;
};

bool producesValue(IrOp op) {
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
uint64_t boxDoubleAtExit(uint64_t bits) { return newDouble(std::bit_cast<double>(bits)).raw(); }
uint64_t newBlockFromTrace(Method* code, Context* outer, uint64_t self) {
  return Value::fromObject(newBlock(code, outer, Value::fromRaw(self))).raw();
}
// (No activation frame: a trace runs no non-local return; an exit that resumes the
// activation gives the context its frame.)
uint64_t newContextFromTrace(Method* m, Context* outer) {
  return reinterpret_cast<uint64_t>(newContext(m->numContextVars, outer, nullptr));
}

class TraceAssembler {
 public:
  TraceAssembler(const TraceRequest& request, Assembler& a)
      : t_(*request.trace), a_(a), ins_(t_.instructions()), req_(request) {}
  void run();
  int32_t frameBytes() const { return frameBytes_; }
  const std::vector<Label>& exitReturns() const { return exitReturns_; }
  const Label& loopStart() const { return loop_; }

 private:
  void computeLiveness();
  void findValuesOnlyExitsNeed();
  bool conditionKnownAtExit(IrRef select, int32_t snapshot) const;
  void materialize(IrRef r, int32_t snapshot);  // into kAcc, in an exit stub
  template <class F>
  void callFromExit(const void* fn, F&& setArguments);
  void select(const IrIns& i);  // kAcc := i.a ? i.b : i.c
  // newBlockFromTrace(code, outer, self) through `call` (callNative or callFromExit): the
  // operands go to scratch registers before the call's saves, then to the arguments.
  template <class Call>
  void newBlock(const IrIns& i, Call&& call) {
    load(kTmp, i.a);
    load(kTmp2, i.b);
    call(reinterpret_cast<const void*>(&newBlockFromTrace), [&] {
      a_.mov(rdi, uint64_t(i.imm));
      a_.mov(rsi, kTmp);
      a_.mov(rdx, kTmp2);
    });
  }
  template <class F>
  void callNative(IrRef at, const void* fn, F&& setArguments);
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
  void forEachExitUse(IrRef ref, int32_t s, F&& f) const {
    if (!atExit_[ref]) return f(ref);
    const IrIns& i = ins_[ref];
    if (i.op == IrOp::SELECT && conditionKnownAtExit(ref, s)) return;
    f(i.a);
    if (i.op == IrOp::NEWBLK) f(i.b);
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
      case Location::Register: return l.reg;
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
  void load(const Gp& dst, IrRef r) {
    const Location& l = loc_[r];
    if (l.kind == Location::Constant) a_.mov(dst, l.constant);
    else if (l.kind == Location::Register) {
      if (l.reg != dst) a_.mov(dst, l.reg);
    } else a_.mov(dst, qword_ptr(rsp, l.offset));
  }
  // An operand that cmp/test can take as the first one (never an immediate).
  Operand compared(IrRef r) {
    const Location& l = loc_[r];
    if (l.kind == Location::Register) return l.reg;
    if (l.kind == Location::Stack) return qword_ptr(rsp, l.offset);
    load(kAcc, r);
    return kAcc;
  }
  void loadDouble(const Xmm& dst, IrRef r) {
    const Location& l = loc_[r];
    if (l.kind == Location::Stack) a_.movq(dst, qword_ptr(rsp, l.offset));
    else if (l.kind == Location::Register) a_.movq(dst, l.reg);
    else {
      load(kAcc, r);
      a_.movq(dst, kAcc);
    }
  }
  void result(IrRef n, const Gp& src) {
    const Location& l = loc_[n];
    if (l.kind == Location::Register) a_.mov(l.reg, src);
    else if (l.kind == Location::Stack) a_.mov(qword_ptr(rsp, l.offset), src);
  }
  // Computes `a op b` into n's register when it has one that b does not occupy (else
  // into kAcc); answers where the result is.
  template <class Op>
  Gp arithmetic(IrRef n, Op op) {
    const Location& l = loc_[n];
    const Location& b = loc_[ins_[n].b];
    Gp target = l.kind == Location::Register && !(b.kind == Location::Register && b.reg == l.reg) ? l.reg : kAcc;
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
  std::vector<IrRef> sunkInto_;  // comparisons emitted at their guard
  IrRef head_ = kNoRef, loopEnd_ = kNoRef;  // a peeled loop's HEAD and LOOP
  int32_t phiTemps_ = 0;                   // spill words for the PHIs' parallel move
  Label body_;
  std::vector<IrRef> lastUse_;
  std::vector<uint32_t> uses_;
  std::vector<Location> loc_;
  std::vector<bool> free_;  // per kAllocatable entry
  std::vector<IrRef> active_;
  int32_t stackWords_ = 0;
  int32_t frameBytes_ = 0;
  std::vector<Label> exits_;
  std::vector<Label> exitReturns_;  // per exit: where its stub answers the exit's token
  Label loop_;
  const TraceRequest& req_;
  void adjustFrame(int32_t from, int32_t to);
};

// Moves rsp from a spill area of `from` bytes to one of `to` bytes.
void TraceAssembler::adjustFrame(int32_t from, int32_t to) {
  if (to > from) a_.sub(rsp, to - from);
  else if (to < from) a_.add(rsp, from - to);
}

// Dead code first: pure instructions and loads whose values nothing needed uses (the
// recorder emits tag tests that later fold, say) are not emitted. Then the values only
// exits need (atExit_), then each value's uses and last use.
void TraceAssembler::computeLiveness() {
  size_t count = ins_.size();
  needed_.assign(count, false);
  for (IrRef n = IrRef(count); n-- > 0;) {
    IrOp op = ins_[n].op;
    bool removable = (kIrOps[uint8_t(op)].flags & Pure) || op == IrOp::LOAD || op == IrOp::LOADB ||
                     op == IrOp::LOADX || op == IrOp::NEWBLK || op == IrOp::NEWCTX;
    if (!removable) needed_[n] = true;
    if (needed_[n])
      forEachOperand(n, true, [&](IrRef r) { needed_[r] = true; });
  }
  findValuesOnlyExitsNeed();
  uses_.assign(count, 0);
  for (IrRef n = 0; n < count; n++)
    if (needed_[n]) forEachUse(n, [&](IrRef r) { uses_[r]++; });
  // A comparison used only by a guard is emitted at the guard, as compare-and-branch, so
  // its operands live until there.
  sunkInto_.assign(count, kNoRef);
  for (IrRef g = 0; g < count; g++) {
    const IrIns& i = ins_[g];
    if (!emitted(g) || (i.op != IrOp::GUARDT && i.op != IrOp::GUARDF) || uses_[i.a] != 1) continue;
    IrOp c = ins_[i.a].op;
    if (c == IrOp::EQ || c == IrOp::LT || c == IrOp::LE || c == IrOp::ULT || c == IrOp::FLT || c == IrOp::FLE ||
        c == IrOp::FEQ)
      sunkInto_[i.a] = g;
  }
  // A peeled loop (loop.cpp): what the body uses from before HEAD, and the PHIs' operands,
  // live until the back edge (LOOP), where the PHIs' moves are made.
  head_ = loopEnd_ = kNoRef;
  for (IrRef n = 0; n < count; n++) {
    if (ins_[n].op == IrOp::HEAD) head_ = n;
    if (ins_[n].op == IrOp::LOOP) loopEnd_ = n;
  }
  lastUse_.assign(count, kNoRef);
  for (IrRef n = 0; n < count; n++) {
    if (!needed_[n]) continue;
    IrRef at = sunkInto_[n] != kNoRef ? sunkInto_[n] : ins_[n].op == IrOp::PHI ? loopEnd_ : n;
    forEachUse(n, [&](IrRef r) {
      IrRef until = head_ != kNoRef && r < head_ && at > head_ ? loopEnd_ : at;
      if (lastUse_[r] == kNoRef || lastUse_[r] < until) lastUse_[r] = until;
    });
  }
}

// Boxed Doubles and Booleans that only snapshots use (and PHIs between such values) are
// not computed in the trace: the exit stubs that write them compute them (materialize()),
// from their operands. So the loop keeps doubles unboxed, and a boxed Double that has no
// immediate form costs an allocation only if an exit needs it.
void TraceAssembler::findValuesOnlyExitsNeed() {
  size_t count = ins_.size();
  atExit_.assign(count, false);
  for (IrRef n = 0; n < count; n++) {
    const IrIns& i = ins_[n];
    atExit_[n] = needed_[n] && (i.op == IrOp::BOXD || i.op == IrOp::NEWBLK ||
                                (i.op == IrOp::SELECT && t_.isConstant(i.b) && t_.isConstant(i.c) &&
                                 !t_.isConstant(i.a)));
  }
  auto carried = [&](IrRef from, IrRef to) {  // a PHI that moves `to` into `from`
    for (IrRef n = 0; n < count; n++)
      if (needed_[n] && ins_[n].op == IrOp::PHI && ins_[n].a == from && ins_[n].b == to && !atExit_[from])
        return true;
    return false;
  };
  // A PHI between two such values needs no move if their operands are the same or
  // carried by PHIs of their own: an exit in the body then computes the carried value.
  auto sameShape = [&](IrRef x, IrRef y) {
    const IrIns &a = ins_[x], &b = ins_[y];
    auto matches = [&](IrRef p, IrRef q) { return p == q || carried(p, q); };
    if (a.op != b.op || a.imm != b.imm || !matches(a.a, b.a)) return false;
    if (a.op == IrOp::SELECT) return a.b == b.b && a.c == b.c;
    return a.op != IrOp::NEWBLK || matches(a.b, b.b);
  };
  for (bool changed = true; changed;) {
    changed = false;
    auto unsink = [&](IrRef r) {
      if (r != kNoRef && atExit_[r]) {
        atExit_[r] = false;
        changed = true;
      }
    };
    for (IrRef n = 0; n < count; n++) {
      if (!needed_[n]) continue;
      const IrIns& i = ins_[n];
      if (i.op == IrOp::PHI) {
        if (!(atExit_[i.a] && atExit_[i.b] && sameShape(i.a, i.b))) {
          unsink(i.a);
          unsink(i.b);
        }
      } else {
        // Exit stubs compute one level: what a computed value needs is computed in the trace.
        forEachOperand(n, false, unsink);
      }
    }
  }
  // Which guard a snapshot's stub is for, when only one guard uses it.
  onlyGuard_.assign(t_.snapshots().size(), kNoRef);
  std::vector<uint32_t> guards(t_.snapshots().size(), 0);
  for (IrRef n = 0; n < count; n++)
    if (emitted(n) && ins_[n].snapshot >= 0) {
      guards[size_t(ins_[n].snapshot)]++;
      onlyGuard_[size_t(ins_[n].snapshot)] = n;
    }
  for (size_t s = 0; s < guards.size(); s++)
    if (guards[s] != 1) onlyGuard_[s] = kNoRef;
}

// A Boolean made from a condition whose guard failed at this exit has a known value there.
bool TraceAssembler::conditionKnownAtExit(IrRef select, int32_t s) const {
  IrRef g = onlyGuard_[size_t(s)];
  return g != kNoRef && ins_[g].a == ins_[select].a;
}

// Calls a native function from an exit stub: every register that may hold a value of the
// trace is saved around it; `setArguments` loads the argument registers (after the saves;
// it must not read rsp-relative spill words). The result is in kAcc.
template <class F>
void TraceAssembler::callFromExit(const void* fn, F&& setArguments) {
  const Gp saved[] = {kSlots, kFrame, rax, rcx, rdx, r8};  // (an even number: rsp stays aligned)
  for (const Gp& g : saved) a_.push(g);
  setArguments();
  a_.mov(rax, reinterpret_cast<uint64_t>(fn));
  a_.call(rax);
  a_.mov(kAcc, rax);
  for (size_t k = std::size(saved); k-- > 0;) a_.pop(saved[k]);
}

// A call from the trace at instruction `at`: values live after it in caller-saved
// registers (and the trace's own arguments) are kept on the native stack, which the
// collector scans; `setArguments` runs after they are pushed (it must not read
// rsp-relative spill words). The result is in kAcc.
template <class F>
void TraceAssembler::callNative(IrRef at, const void* fn, F&& setArguments) {
  std::vector<Gp> saved = {kSlots, kFrame};
  for (IrRef r = 0; r < at; r++) {
    const Location& l = loc_[r];
    if (l.kind == Location::Register && lastUse_[r] != kNoRef && lastUse_[r] > at &&
        (l.reg == rax || l.reg == rcx || l.reg == rdx || l.reg == r8))
      saved.push_back(l.reg);
  }
  if (saved.size() % 2) saved.push_back(kSlots);  // keeps rsp 16-byte aligned
  for (const Gp& r : saved) a_.push(r);
  setArguments();
  a_.mov(rax, reinterpret_cast<uint64_t>(fn));
  a_.call(rax);
  a_.mov(kAcc, rax);
  for (size_t k = saved.size(); k-- > 0;) a_.pop(saved[k]);
}

void TraceAssembler::select(const IrIns& i) {
  load(kTmp, i.b);
  load(kTmp2, i.c);
  a_.emit(Inst::kIdCmp, compared(i.a), Imm(0));
  a_.cmovne(kTmp2, kTmp);
  a_.mov(kAcc, kTmp2);
}

// Computes a value that only exits need into kAcc, in the stub of snapshot `s`.
void TraceAssembler::materialize(IrRef r, int32_t s) {
  const IrIns& i = ins_[r];
  switch (i.op) {
    case IrOp::SELECT:
      if (conditionKnownAtExit(r, s)) {  // this exit's guard failed on the condition
        load(kAcc, ins_[onlyGuard_[size_t(s)]].op == IrOp::GUARDF ? i.b : i.c);
        return;
      }
      select(i);
      return;
    case IrOp::NEWBLK:
      newBlock(i, [&](const void* fn, auto&& arguments) { callFromExit(fn, arguments); });
      return;
    default: {  // BOXD
      Label slow = a_.newLabel(), done = a_.newLabel();
      load(kAcc, i.a);
      jit::emitBoxDouble(a_, kAcc, kTmp, slow);
      a_.jmp(done);
      a_.bind(slow);
      callFromExit(reinterpret_cast<const void*>(&boxDoubleAtExit), [&] { a_.mov(rdi, kAcc); });
      a_.bind(done);
      return;
    }
  }
}

// The PHIs' moves at the back edge, as one parallel assignment: through spill words when
// a PHI's destination is another one's source.
void TraceAssembler::phiMoves() {
  auto same = [&](IrRef x, IrRef y) {
    const Location &a = loc_[x], &b = loc_[y];
    if (a.kind != b.kind) return false;
    if (a.kind == Location::Register) return a.reg == b.reg;
    if (a.kind == Location::Stack) return a.offset == b.offset;
    return false;
  };
  std::vector<std::pair<IrRef, IrRef>> moves;  // (destination, source)
  for (IrRef n = head_; n < loopEnd_; n++)
    if (ins_[n].op == IrOp::PHI && !atExit_[ins_[n].a] && !same(ins_[n].a, ins_[n].b))
      moves.push_back({ins_[n].a, ins_[n].b});
  bool conflict = false;
  for (size_t i = 0; i < moves.size(); i++)
    for (size_t j = 0; j < moves.size(); j++)
      if (i != j && same(moves[i].first, moves[j].second)) conflict = true;
  if (!conflict) {
    for (auto& [dst, src] : moves) {
      load(kAcc, src);
      result(dst, kAcc);
    }
    return;
  }
  for (size_t i = 0; i < moves.size(); i++) {
    load(kAcc, moves[i].second);
    a_.mov(qword_ptr(rsp, phiTemps_ + int32_t(8 * i)), kAcc);
  }
  for (size_t i = 0; i < moves.size(); i++) {
    a_.mov(kAcc, qword_ptr(rsp, phiTemps_ + int32_t(8 * i)));
    result(moves[i].first, kAcc);
  }
}

void TraceAssembler::expire(IrRef n) {
  for (size_t k = 0; k < active_.size();) {
    IrRef r = active_[k];
    if (lastUse_[r] < n) {
      for (size_t g = 0; g < std::size(kAllocatable); g++)
        if (kAllocatable[g] == loc_[r].reg) free_[g] = true;
      active_[k] = active_.back();
      active_.pop_back();
    } else {
      k++;
    }
  }
}

void TraceAssembler::allocate(IrRef n) {
  const IrIns& i = ins_[n];
  if (i.op == IrOp::KWORD) {
    loc_[n] = {Location::Constant, Gp(), 0, uint64_t(i.imm)};
    return;
  }
  if (!producesValue(i.op) || lastUse_[n] == kNoRef || sunkInto_[n] != kNoRef || atExit_[n]) return;
  for (size_t g = 0; g < std::size(kAllocatable); g++) {
    if (free_[g]) {
      free_[g] = false;
      loc_[n] = {Location::Register, kAllocatable[g], 0, 0};
      active_.push_back(n);
      return;
    }
  }
  loc_[n] = {Location::Stack, Gp(), 8 * stackWords_++, 0};
}

void TraceAssembler::run() {
  computeLiveness();
  loc_.assign(ins_.size(), Location{});
  free_.assign(std::size(kAllocatable), true);
  // Locations first (so the frame size is known), then code.
  for (IrRef n = 0; n < ins_.size(); n++) {
    expire(n);
    allocate(n);
  }
  uint32_t phis = 0;
  for (const IrIns& i : ins_) phis += i.op == IrOp::PHI;
  phiTemps_ = 8 * stackWords_;
  stackWords_ += int32_t(phis);
  exits_.resize(t_.snapshots().size());
  exitReturns_.resize(t_.snapshots().size());
  for (auto& l : exits_) l = a_.newLabel();
  for (auto& l : exitReturns_) l = a_.newLabel();
  frameBytes_ = 8 * stackWords_ + ((stackWords_ % 2) ? 0 : 8);  // rsp 16-aligned at calls
  if (req_.parentFrameBytes < 0) {
    for (const Gp& r : kCalleeSaved) a_.push(r);
    a_.sub(rsp, frameBytes_);
  } else {
    adjustFrame(req_.parentFrameBytes, frameBytes_);
  }
  loop_ = a_.newLabel();
  body_ = a_.newLabel();
  a_.bind(loop_);
  for (IrRef n = 0; n < ins_.size(); n++) {
    if (!emitted(n) || sunkInto_[n] != kNoRef) continue;
    if (!guardOnComparison(n)) instruction(n);
  }
  // Exits: each snapshot's stub writes its words to the VM stack and goes on through its
  // target slot: to its own return of the exit's token, or to a side trace.
  Label leave = a_.newLabel();
  for (size_t s = 0; s < exits_.size(); s++) {
    a_.bind(exits_[s]);
    // A value computed here is computed once (an allocation written to two slots is one
    // object): later uses read the slot it went to.
    std::unordered_map<IrRef, uint32_t> computedInto;
    auto value = [&](IrRef ref) {
      if (!atExit_[ref]) return load(kAcc, ref);
      auto it = computedInto.find(ref);
      if (it != computedInto.end()) return (void)a_.mov(kAcc, qword_ptr(kSlots, int32_t(8 * it->second)));
      materialize(ref, int32_t(s));
    };
    for (auto& [slot, ref] : t_.snapshots()[s].slots) {
      value(ref);
      a_.mov(qword_ptr(kSlots, int32_t(8 * slot)), kAcc);
      if (atExit_[ref]) computedInto.emplace(ref, slot);
    }
    const auto& frames = t_.snapshots()[s].frames;
    for (size_t k = 0; k < frames.size(); k++) {
      const std::pair<IrRef, uint64_t*> aside[] = {{frames[k].closure, req_.closures + k},
                                                   {frames[k].context, req_.contexts + k}};
      for (auto& [ref, word] : aside) {
        if (ref == kNoRef) continue;
        value(ref);
        a_.mov(kTmp, reinterpret_cast<uint64_t>(word));
        a_.mov(qword_ptr(kTmp), kAcc);
      }
    }
    a_.mov(kAcc, reinterpret_cast<uint64_t>(req_.exitTargets + s));
    a_.jmp(qword_ptr(kAcc));
    a_.bind(exitReturns_[s]);
    a_.mov(rax, reinterpret_cast<uint64_t>(req_.exitTokens[s]));
    a_.jmp(leave);
  }
  a_.bind(leave);
  a_.add(rsp, frameBytes_);
  for (size_t k = std::size(kCalleeSaved); k-- > 0;) a_.pop(kCalleeSaved[k]);
  a_.ret();
}

void TraceAssembler::instruction(IrRef n) {
  const IrIns& i = ins_[n];
  Label exit = i.snapshot >= 0 ? exits_[size_t(i.snapshot)] : Label();
  bool used = lastUse_[n] != kNoRef;
  Gp done = kAcc;  // where the result is
  switch (i.op) {
    case IrOp::KWORD:
      return;
    case IrOp::SLOAD:
      if (loc_[n].kind == Location::Register) {
        a_.mov(loc_[n].reg, qword_ptr(kSlots, int32_t(8 * i.imm)));
      } else if (used) {
        a_.mov(kAcc, qword_ptr(kSlots, int32_t(8 * i.imm)));
        result(n, kAcc);
      }
      return;
    case IrOp::FRAME:
      result(n, kFrame);
      return;
    case IrOp::BAND: done = arithmetic(n, [&](const Gp& d, const Operand& s) { a_.emit(Inst::kIdAnd, d, s); }); break;
    case IrOp::BOR: done = arithmetic(n, [&](const Gp& d, const Operand& s) { a_.emit(Inst::kIdOr, d, s); }); break;
    case IrOp::ADD: done = arithmetic(n, [&](const Gp& d, const Operand& s) { a_.emit(Inst::kIdAdd, d, s); }); break;
    case IrOp::SUB: done = arithmetic(n, [&](const Gp& d, const Operand& s) { a_.emit(Inst::kIdSub, d, s); }); break;
    case IrOp::SAR:
      load(kAcc, i.a);
      a_.sar(kAcc, int(i.imm));
      break;
    case IrOp::ADDOV:
    case IrOp::SUBOV:
      load(kAcc, i.a);
      a_.emit(i.op == IrOp::ADDOV ? Inst::kIdAdd : Inst::kIdSub, kAcc, source(i.b, kTmp));
      a_.jo(exit);
      break;
    case IrOp::MULOV:
      load(kAcc, i.a);
      load(kTmp, i.b);
      a_.imul(kAcc, kTmp);
      a_.jo(exit);
      break;
    case IrOp::EQ:
    case IrOp::LT:
    case IrOp::LE:
    case IrOp::ULT:
      load(kAcc, i.a);
      a_.emit(Inst::kIdCmp, kAcc, source(i.b, kTmp));
      if (i.op == IrOp::EQ) a_.sete(kAcc.r8());
      else if (i.op == IrOp::LT) a_.setl(kAcc.r8());
      else if (i.op == IrOp::LE) a_.setle(kAcc.r8());
      else a_.setb(kAcc.r8());
      a_.movzx(kAcc.r32(), kAcc.r8());
      break;
    case IrOp::SELECT:
      select(i);
      break;
    case IrOp::LOAD:
      load(kAcc, i.a);
      a_.mov(kAcc, qword_ptr(kAcc, int32_t(i.imm)));
      break;
    case IrOp::LOADB:
      load(kAcc, i.a);
      a_.movzx(kAcc.r32(), byte_ptr(kAcc, int32_t(i.imm)));
      break;
    case IrOp::LOADX:
      load(kAcc, i.a);
      load(kTmp, i.b);
      a_.mov(kAcc, qword_ptr(kAcc, kTmp, 3, int32_t(i.imm)));
      break;
    case IrOp::STORE:
      load(kAcc, i.a);
      load(kTmp, i.b);
      a_.mov(qword_ptr(kAcc, int32_t(i.imm)), kTmp);
      return;
    case IrOp::STOREX:
      load(kAcc, i.a);
      load(kTmp, i.b);
      a_.lea(kAcc, qword_ptr(kAcc, kTmp, 3));
      load(kTmp, i.c);
      a_.mov(qword_ptr(kAcc, int32_t(i.imm)), kTmp);
      return;
    case IrOp::GUARDT:
    case IrOp::GUARDF:
      a_.emit(Inst::kIdCmp, compared(i.a), Imm(0));
      if (i.op == IrOp::GUARDT) a_.je(exit);
      else a_.jne(exit);
      return;
    case IrOp::UNBOXD:
      load(kTmp, i.a);
      jit::emitUnboxDouble(a_, kAcc, kTmp, kTmp2);
      break;
    case IrOp::BOXD:
      load(kAcc, i.a);
      jit::emitBoxDouble(a_, kAcc, kTmp, exit);
      break;
    case IrOp::FADD:
    case IrOp::FSUB:
    case IrOp::FMUL:
      loadDouble(kF0, i.a);
      loadDouble(kF1, i.b);
      if (i.op == IrOp::FADD) a_.addsd(kF0, kF1);
      else if (i.op == IrOp::FSUB) a_.subsd(kF0, kF1);
      else a_.mulsd(kF0, kF1);
      if (loc_[n].kind == Location::Register) {
        a_.movq(loc_[n].reg, kF0);
        return;
      }
      a_.movq(kAcc, kF0);
      break;
    case IrOp::FLT:
    case IrOp::FLE:
    case IrOp::FEQ:
      // ucomisd reports unordered like "less" plus PF: a < b is tested as b above a.
      loadDouble(kF0, i.a);
      loadDouble(kF1, i.b);
      if (i.op == IrOp::FEQ) {
        a_.ucomisd(kF0, kF1);
        a_.sete(kAcc.r8());
        a_.setnp(kTmp.r8());
        a_.and_(kAcc.r8(), kTmp.r8());
      } else {
        a_.ucomisd(kF1, kF0);
        if (i.op == IrOp::FLT) a_.seta(kAcc.r8());
        else a_.setae(kAcc.r8());
      }
      a_.movzx(kAcc.r32(), kAcc.r8());
      break;
    case IrOp::SSTORE:
      load(kAcc, i.a);
      a_.mov(qword_ptr(kSlots, int32_t(8 * i.imm)), kAcc);
      return;
    case IrOp::CALLP:
      callNative(n, reinterpret_cast<const void*>(loc_[i.a].constant), [&] {
        a_.lea(kAcc, qword_ptr(kSlots, int32_t(8 * i.imm)));
        a_.mov(rdi, kAcc);
      });
      break;
    case IrOp::NEWCTX:
      load(kTmp, i.a);
      callNative(n, reinterpret_cast<const void*>(&newContextFromTrace), [&] {
        a_.mov(rdi, uint64_t(i.imm));
        a_.mov(rsi, kTmp);
      });
      break;
    case IrOp::NEWBLK:
      newBlock(i, [&](const void* fn, auto&& arguments) { callNative(n, fn, arguments); });
      break;
    case IrOp::HEAD:
      a_.bind(body_);
      return;
    case IrOp::PHI:
      return;  // (moved at LOOP)
    case IrOp::LOOP:
    case IrOp::LINK:
      a_.mov(kAcc, reinterpret_cast<uint64_t>(req_.iterations));
      a_.inc(qword_ptr(kAcc));
      if (i.op == IrOp::LOOP) {
        if (head_ != kNoRef) phiMoves();
        a_.jmp(head_ != kNoRef ? body_ : loop_);
      } else {
        adjustFrame(frameBytes_, req_.linkFrameBytes);
        a_.mov(kAcc, reinterpret_cast<uint64_t>(req_.linkTo));
        a_.jmp(kAcc);
      }
      return;
  }
  if (used && !(loc_[n].kind == Location::Register && loc_[n].reg == done)) result(n, done);
}

// A guard on a comparison sunk into it: compare and branch to the exit, without
// materialising the condition.
bool TraceAssembler::guardOnComparison(IrRef guard) {
  const IrIns& g = ins_[guard];
  if ((g.op != IrOp::GUARDT && g.op != IrOp::GUARDF) || sunkInto_[g.a] != guard) return false;
  const IrIns& i = ins_[g.a];
  Label exit = exits_[size_t(g.snapshot)];
  bool leaveOnTrue = g.op == IrOp::GUARDF;  // leave when the condition lacks the guard's value
  if (i.op == IrOp::FLT || i.op == IrOp::FLE || i.op == IrOp::FEQ) {
    // ucomisd reports unordered as ZF = PF = CF = 1: a < b is tested as b above a, and
    // equality needs PF clear, so every comparison with a NaN is false.
    loadDouble(kF0, i.a);
    loadDouble(kF1, i.b);
    if (i.op == IrOp::FEQ) {
      a_.ucomisd(kF0, kF1);
      if (!leaveOnTrue) {
        a_.jne(exit);
        a_.jp(exit);
      } else {
        Label stay = a_.newLabel();
        a_.jp(stay);
        a_.je(exit);
        a_.bind(stay);
      }
    } else {
      a_.ucomisd(kF1, kF0);
      if (i.op == IrOp::FLT) leaveOnTrue ? a_.ja(exit) : a_.jbe(exit);
      else leaveOnTrue ? a_.jae(exit) : a_.jb(exit);
    }
    return true;
  }
  Operand left = compared(i.a);
  if (left.isMem() && loc_[i.b].kind == Location::Stack) {  // (no memory-to-memory cmp)
    load(kAcc, i.a);
    left = kAcc;
  }
  a_.emit(Inst::kIdCmp, left, source(i.b, kTmp));
  if (i.op == IrOp::EQ) leaveOnTrue ? a_.je(exit) : a_.jne(exit);
  else if (i.op == IrOp::LT) leaveOnTrue ? a_.jl(exit) : a_.jge(exit);
  else if (i.op == IrOp::LE) leaveOnTrue ? a_.jle(exit) : a_.jg(exit);
  else leaveOnTrue ? a_.jb(exit) : a_.jae(exit);
  return true;
}

}  // namespace

CompiledTrace compileTrace(const TraceRequest& request) {
  CodeHolder code;
  code.init(jit::CodeCache::instance().environment());
  Assembler a(&code);
  TraceAssembler assembler(request, a);
  assembler.run();
  CompiledTrace result;
  auto* base = static_cast<const uint8_t*>(jit::CodeCache::instance().add(code, request.name));
  if (!base) return result;
  result.entry = base;
  result.loopStart = base + code.labelOffsetFromBase(assembler.loopStart());
  result.frameBytes = assembler.frameBytes();
  result.codeBytes = code.codeSize();
  for (size_t s = 0; s < assembler.exitReturns().size(); s++)
    request.exitTargets[s] = base + code.labelOffsetFromBase(assembler.exitReturns()[s]);
  if (request.log) result.disassembly = jit::disassemble(base, code.codeSize());
  return result;
}

}  // namespace som::tier2
