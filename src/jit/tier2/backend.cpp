// Tier-2 code generation: x86-64 for a recorded trace, through the shared backend
// (jit/backend: code cache, perf map, disassembly, the Double encoding).
//
// Where values live is decided first (regalloc.cpp); this file emits the code: one
// template per IR instruction, over the locations chosen, with the exit stubs after the
// trace (each computes the values only it needs, writes its snapshot's words and goes on
// through its target slot).
//
// All traces share one native frame shape: the callee-saved registers, then a spill area
// of the trace's own size. A root trace is a function, `exit token (Value* slots, Frame*)`,
// that pushes them; everything that leaves a trace through memory can go on in another
// one by adjusting rsp to that trace's spill area and jumping: an exit stub writes its
// snapshot's words to the VM stack and jumps through its target slot (its own return
// path, or a side trace entered with the parent's frame); LINK jumps to another root's
// loop start. Any trace's return path pops the shared registers and returns.
#include "jit/tier2/backend.h"

#include <unordered_map>

#include "jit/backend/code_cache.h"
#include "jit/backend/disasm.h"
#include "jit/backend/double_encoding.h"
#include "jit/tier2/trace_assembler.h"

// Object layouts use single inheritance from Object; their field offsets are read here.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"

namespace som::tier2 {

const Frame* inlinedLevelStandIn(uint32_t level) {
  static Frame standIns[17];  // (maxinline is at most 16)
  return &standIns[level];
}

// Moves rsp from a spill area of `from` bytes to one of `to` bytes.
void TraceAssembler::adjustFrame(int32_t from, int32_t to) {
  if (to > from) a_.sub(rsp, to - from);
  else if (to < from) a_.add(rsp, from - to);
}


// A call from the trace at instruction `at`: values live after it in caller-saved
// registers (and the trace's own arguments) are kept on the native stack, which the
// collector scans; `emitCall` runs after they are pushed (it must not read rsp-relative
// spill words) and leaves the result in rax, which is then in kAcc. (A call's own
// snapshot is read after it, by the exit taken when the call unwinds.)
template <class F>
void TraceAssembler::callOut(IrRef at, F&& emitCall) {
  std::vector<Gp> saved = {kSlots, kFrame};
  IrRef usedAfter = ins_[at].snapshot >= 0 ? at : at + 1;
  for (IrRef r = 0; r < at; r++) {
    const Location& l = loc_[r];
    if (l.kind == Location::Register && lastUse_[r] != kNoRef && lastUse_[r] >= usedAfter &&
        (l.reg() == rax || l.reg() == rcx || l.reg() == rdx || l.reg() == r8))
      saved.push_back(l.reg());
  }
  if (saved.size() % 2) saved.push_back(kSlots);  // keeps rsp 16-byte aligned
  for (const Gp& r : saved) a_.push(r);
  emitCall();
  a_.mov(kAcc, rax);
  for (size_t k = saved.size(); k-- > 0;) a_.pop(saved[k]);
  forgetDoubles();
}

// The same for a C++ function, with its arguments set by `setArguments`.
template <class F>
void TraceAssembler::callNative(IrRef at, const void* fn, F&& setArguments) {
  callOut(at, [&] {
    setArguments();
    a_.mov(rax, reinterpret_cast<uint64_t>(fn));
    a_.call(rax);
  });
}

// A CALLM from the traced activation itself: as callFromTrace() would make it, but when
// the callee has tier-1 code (--jit=both), its direct entry is called from here, without
// callFromTrace and invoke() in between (recursive methods such as Towers' move:from:to:
// spent a sixth of their time there).
void TraceAssembler::callMethod(IrRef n, Method* m, const uint8_t* send) {
  const IrIns& i = ins_[n];
  callOut(n, [&] {
    Label generic = a_.newLabel(), called = a_.newLabel();
    if (!m->native) {  // (invoke() would call a native first)
      a_.mov(kTmp, reinterpret_cast<uint64_t>(m));
      a_.mov(rax, qword_ptr(kTmp, int32_t(offsetof(Method, tier1Direct))));
      a_.test(rax, rax);
      a_.jz(generic);
      a_.mov(kTmp, reinterpret_cast<uint64_t>(send));
      a_.mov(qword_ptr(kFrame, int32_t(offsetof(Frame, ip))), kTmp);
      a_.lea(kTmp, qword_ptr(kSlots, int32_t(8 * i.imm)));
      a_.mov(rdi, kFrame);  // (kSlots is rdi and kFrame rsi: through kTmp)
      a_.mov(rsi, kTmp);
      a_.call(rax);
      a_.jmp(called);
    }
    a_.bind(generic);
    a_.mov(rdx, kFrame);
    a_.lea(rsi, qword_ptr(kSlots, int32_t(8 * i.imm)));
    a_.mov(rdi, reinterpret_cast<uint64_t>(m));
    a_.mov(rcx, reinterpret_cast<uint64_t>(send));
    a_.mov(rax, reinterpret_cast<uint64_t>(&callFromTrace));
    a_.call(rax);
    a_.bind(called);
  });
}

// The frame records of the inlined activations of snapshot `s` (its frames after the
// first), as their activations would have them, for a call from the innermost one.
void TraceAssembler::writeLevelFrames(const Snapshot& s, const uint8_t* send) {
  for (size_t k = 1; k < s.frames.size(); k++) {
    const SnapFrame& f = s.frames[k];
    int32_t at = levelFrames_ + int32_t(sizeof(Frame) * (k - 1));
    auto field = [&](size_t offset) { return qword_ptr(rsp, at + int32_t(offset)); };
    if (k == 1) a_.mov(kAcc, kFrame);
    else a_.lea(kAcc, qword_ptr(rsp, at - int32_t(sizeof(Frame))));
    a_.mov(field(offsetof(Frame, caller)), kAcc);
    a_.mov(kAcc, reinterpret_cast<uint64_t>(f.method));
    a_.mov(field(offsetof(Frame, method)), kAcc);
    a_.lea(kAcc, qword_ptr(kSlots, int32_t(8 * f.base)));
    a_.mov(field(offsetof(Frame, slots)), kAcc);
    a_.mov(kAcc, reinterpret_cast<uint64_t>(k + 1 < s.frames.size() ? f.method->code + f.pc : send));
    a_.mov(field(offsetof(Frame, ip)), kAcc);
    if (f.closure != kNoRef) load(kAcc, f.closure);
    else a_.xor_(kAcc.r32(), kAcc.r32());
    a_.mov(field(offsetof(Frame, closure)), kAcc);
    // (an activation's own context; else a block's is its outer one)
    if (f.context != kNoRef) load(kAcc, f.context);
    else if (f.closure != kNoRef) a_.mov(kAcc, qword_ptr(kAcc, int32_t(offsetof(Block, outer))));
    a_.mov(field(offsetof(Frame, context)), kAcc);
  }
}

void TraceAssembler::select(const IrIns& i) {
  load(kTmp, i.b);
  load(kTmp2, i.c);
  a_.emit(Inst::kIdCmp, compared(i.a), Imm(0));
  a_.cmovne(kTmp2, kTmp);
  a_.mov(kAcc, kTmp2);
}

// What the exits need to know of the trace, kept with its code (exit_map.h); compact
// stubs hand their maps to the shared handler.
void TraceAssembler::describeExits() {
  exits_.trace = &t_;
  exits_.locations = loc_;
  exits_.atExit = atExit_;
  exits_.onlyGuard = onlyGuard_;
  exits_.firstGuard = firstGuard_;
  exits_.objectStores = objectStores_;
  exits_.closures = req_.closures;
  exits_.contexts = req_.contexts;
  exits_.targets = req_.exitTargets;
  size_t count = t_.snapshots().size();
  exits_.maps = std::make_unique<ExitMap[]>(count);
  const void* shared = sharedExitHandler();
  for (size_t s = 0; s < count; s++) exits_.maps[s] = {shared, &exits_, uint32_t(s), req_.exitTokens[s]};
}

// The PHIs' moves at the back edge, as one parallel assignment: through spill words when
// a PHI's destination is another one's source.
void TraceAssembler::phiMoves() {
  auto same = [&](IrRef x, IrRef y) {
    const Location &a = loc_[x], &b = loc_[y];
    if (a.kind != b.kind) return false;
    if (a.kind == Location::Register) return a.reg() == b.reg();
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
  size_t levels = 0;
  for (const IrIns& i : ins_)
    if (i.op == IrOp::CALLM) levels = std::max(levels, t_.snapshots()[size_t(i.snapshot)].frames.size() - 1);
  levelFrames_ = 8 * stackWords_;
  stackWords_ += int32_t(levels * sizeof(Frame) / 8);
  exitLabels_.resize(t_.snapshots().size());
  for (auto& l : exitLabels_) l = a_.newLabel();
  exitReturn_ = a_.newLabel();
  frameBytes_ = 8 * stackWords_ + ((stackWords_ % 2) ? 0 : 8);  // rsp 16-aligned at calls
  if (req_.parentFrameBytes < 0) {
    for (const Gp& r : kCalleeSaved) a_.push(r);
    a_.sub(rsp, frameBytes_);
  } else {
    adjustFrame(req_.parentFrameBytes, frameBytes_);
  }
  loop_ = a_.newLabel();
  body_ = a_.newLabel();
  adapt_ = a_.newLabel();
  a_.bind(loop_);
  for (IrRef n = 0; n < ins_.size(); n++) {
    if (!emitted(n) || sunkInto_[n] != kNoRef) continue;
    if (!guardOnComparison(n)) instruction(n);
  }
  // Exits: EXITs (taken at every return of an entry trace) get native stubs, other
  // exits compact ones (exit_map.h); either goes on through the exit's target slot: to
  // a side trace, or to the return, which answers the token of the exit whose map is in
  // kAcc.
  describeExits();
  std::vector<bool> exitsAlways(exitLabels_.size(), false);
  for (IrRef n = 0; n < ins_.size(); n++)
    if (ins_[n].op == IrOp::EXIT && emitted(n)) exitsAlways[size_t(ins_[n].snapshot)] = true;
  Label leave = a_.newLabel();
  for (size_t s = 0; s < exitLabels_.size(); s++) {
    a_.bind(exitLabels_[s]);
    if (exitsAlways[s] || !exits_.maps[s].stub) emitNativeExitStub(a_, exits_.maps[s]);
    else emitCompactExitStub(a_, exits_.maps[s]);
  }
  a_.bind(exitReturn_);
  a_.mov(rax, qword_ptr(kAcc, int32_t(offsetof(ExitMap, token))));
  a_.jmp(leave);
  if (req_.adoptFrameBytes >= 0) {  // LINKs arriving with the loop's first root's frame
    a_.bind(adapt_);
    adjustFrame(req_.adoptFrameBytes, frameBytes_);
    a_.jmp(loop_);
  }
  a_.bind(leave);
  a_.add(rsp, frameBytes_);
  for (size_t k = std::size(kCalleeSaved); k-- > 0;) a_.pop(kCalleeSaved[k]);
  a_.ret();
}

void TraceAssembler::instruction(IrRef n) {
  const IrIns& i = ins_[n];
  Label exit = i.snapshot >= 0 ? exitLabels_[size_t(i.snapshot)] : Label();
  bool used = lastUse_[n] != kNoRef;
  Gp done = kAcc;  // where the result is
  switch (i.op) {
    case IrOp::KWORD:
      return;
    case IrOp::SLOAD:
      if (loc_[n].kind == Location::Register) {
        a_.mov(loc_[n].reg(), qword_ptr(kSlots, int32_t(8 * i.imm)));
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
    case IrOp::BXOR: done = arithmetic(n, [&](const Gp& d, const Operand& s) { a_.emit(Inst::kIdXor, d, s); }); break;
    case IrOp::ADD: done = arithmetic(n, [&](const Gp& d, const Operand& s) { a_.emit(Inst::kIdAdd, d, s); }); break;
    case IrOp::SUB: done = arithmetic(n, [&](const Gp& d, const Operand& s) { a_.emit(Inst::kIdSub, d, s); }); break;
    case IrOp::SAR:
      load(kAcc, i.a);
      a_.sar(kAcc, int(i.imm));
      break;
    case IrOp::DIV:
    case IrOp::REM:
      // idiv divides rdx:rax, which are allocatable: they are kept aside around it.
      load(kAcc, i.a);
      load(kTmp, i.b);
      a_.mov(kTmp2, rax);
      a_.push(rdx);
      a_.mov(rax, kAcc);
      a_.cqo();
      a_.idiv(kTmp);
      a_.mov(kAcc, i.op == IrOp::DIV ? rax : rdx);
      a_.pop(rdx);
      a_.mov(rax, kTmp2);
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
      compare(i.a, i.b);
      done = resultRegister(n);
      if (i.op == IrOp::EQ) a_.sete(done.r8());
      else if (i.op == IrOp::LT) a_.setl(done.r8());
      else if (i.op == IrOp::LE) a_.setle(done.r8());
      else a_.setb(done.r8());
      a_.movzx(done.r32(), done.r8());
      break;
    case IrOp::SELECT:
      select(i);
      break;
    case IrOp::LOAD:
    case IrOp::LOADF: {
      Gp base = inRegister(i.a, kAcc);
      done = resultRegister(n);
      a_.mov(done, qword_ptr(base, int32_t(i.imm)));
      break;
    }
    case IrOp::LOADB: {
      Gp base = inRegister(i.a, kAcc);
      done = resultRegister(n);
      a_.movzx(done.r32(), byte_ptr(base, int32_t(i.imm)));
      break;
    }
    case IrOp::LOADX: {
      Gp base = inRegister(i.a, kAcc), index = inRegister(i.b, kTmp);
      done = resultRegister(n);
      a_.mov(done, qword_ptr(base, index, 3, int32_t(i.imm)));
      break;
    }
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
    case IrOp::FDIV:
    case IrOp::FSQRT:
      if (i.op == IrOp::FSQRT) loadDouble(kF0, i.a);
      else loadDoubles(i.a, i.b);
      if (i.op == IrOp::FADD) a_.addsd(kF0, kF1);
      else if (i.op == IrOp::FSUB) a_.subsd(kF0, kF1);
      else if (i.op == IrOp::FMUL) a_.mulsd(kF0, kF1);
      else if (i.op == IrOp::FDIV) a_.divsd(kF0, kF1);
      else a_.sqrtsd(kF0, kF0);
      inF_[0] = n;
      if (loc_[n].kind == Location::Register) {
        a_.movq(loc_[n].reg(), kF0);
        return;
      }
      a_.movq(kAcc, kF0);
      break;
    case IrOp::FLT:
    case IrOp::FLE:
    case IrOp::FEQ:
      // ucomisd reports unordered like "less" plus PF: a < b is tested as b above a.
      loadDoubles(i.a, i.b);
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
    case IrOp::CALLM:
      if (const Snapshot& s = t_.snapshots()[size_t(i.snapshot)]; s.frames.size() > 1) {
        writeLevelFrames(s, reinterpret_cast<const uint8_t*>(loc_[i.b].constant));
        uint64_t owning = 0;
        for (size_t k = 1; k < s.frames.size(); k++)
          if (s.frames[k].context != kNoRef) owning |= uint64_t(1) << (k - 1);
        a_.lea(kTmp, qword_ptr(rsp, levelFrames_));
        callNative(n, reinterpret_cast<const void*>(&callFromInlinedLevels), [&] {
          a_.mov(rdx, kTmp);
          a_.lea(rsi, qword_ptr(kSlots, int32_t(8 * i.imm)));
          a_.mov(rdi, loc_[i.a].constant);
          a_.mov(rcx, uint64_t(s.frames.size() - 1));
          a_.mov(r8, owning);
        });
        a_.test(kAcc, kAcc);
        a_.jz(exit);
        break;
      }
      callMethod(n, reinterpret_cast<Method*>(loc_[i.a].constant), reinterpret_cast<const uint8_t*>(loc_[i.b].constant));
      a_.test(kAcc, kAcc);  // the unwind marker (the null Value)
      a_.jz(exit);
      break;
    case IrOp::NEWCTX:
      load(kTmp, i.a);
      callNative(n, reinterpret_cast<const void*>(&newContextFromTrace), [&] {
        a_.mov(rdi, uint64_t(i.imm));
        a_.mov(rsi, kTmp);
      });
      break;
    case IrOp::NEWARR:
      callNative(n, reinterpret_cast<const void*>(&newArrayFromTrace), [&] { a_.mov(rdi, uint64_t(i.imm)); });
      break;
    case IrOp::NEWBLK:
      // (operands to scratch registers before the call's saves move rsp)
      load(kTmp, i.a);
      load(kTmp2, i.b);
      callNative(n, reinterpret_cast<const void*>(&newBlockFromTrace), [&] {
        a_.mov(rdi, uint64_t(i.imm));
        a_.mov(rsi, kTmp);
        a_.mov(rdx, kTmp2);
      });
      break;
    case IrOp::EXIT:
      a_.jmp(exit);
      return;
    case IrOp::HEAD:
      a_.bind(body_);
      forgetDoubles();
      return;
    case IrOp::PHI:
      return;  // (moved at LOOP)
    case IrOp::LOOP:
    case IrOp::LINK:
      a_.mov(kAcc, reinterpret_cast<uint64_t>(req_.iterations));
      a_.inc(qword_ptr(kAcc));
      a_.mov(kAcc, reinterpret_cast<uint64_t>(i.op == IrOp::LOOP ? req_.ownLoops : req_.linkedIn));
      a_.inc(qword_ptr(kAcc));
      if (i.op == IrOp::LOOP) {
        if (head_ != kNoRef) phiMoves();
        a_.jmp(head_ != kNoRef ? body_ : loop_);
      } else {
        // (through the loop's entry word: a root recorded again replaces its target)
        adjustFrame(frameBytes_, req_.linkFrameBytes);
        a_.mov(kAcc, reinterpret_cast<uint64_t>(req_.linkEntry));
        a_.jmp(qword_ptr(kAcc));
      }
      return;
  }
  if (used && !(loc_[n].kind == Location::Register && loc_[n].reg() == done)) result(n, done);
}

// A guard on a comparison sunk into it: compare and branch to the exit, without
// materialising the condition.
bool TraceAssembler::guardOnComparison(IrRef guard) {
  const IrIns& g = ins_[guard];
  if ((g.op != IrOp::GUARDT && g.op != IrOp::GUARDF) || sunkInto_[g.a] != guard) return false;
  const IrIns& i = ins_[g.a];
  Label exit = exitLabels_[size_t(g.snapshot)];
  bool leaveOnTrue = g.op == IrOp::GUARDF;  // leave when the condition lacks the guard's value
  if (i.op == IrOp::FLT || i.op == IrOp::FLE || i.op == IrOp::FEQ) {
    // ucomisd reports unordered as ZF = PF = CF = 1: a < b is tested as b above a, and
    // equality needs PF clear, so every comparison with a NaN is false.
    loadDoubles(i.a, i.b);
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
  compare(i.a, i.b);
  if (i.op == IrOp::EQ) leaveOnTrue ? a_.je(exit) : a_.jne(exit);
  else if (i.op == IrOp::LT) leaveOnTrue ? a_.jl(exit) : a_.jge(exit);
  else if (i.op == IrOp::LE) leaveOnTrue ? a_.jle(exit) : a_.jg(exit);
  else leaveOnTrue ? a_.jb(exit) : a_.jae(exit);
  return true;
}



CompiledTrace compileTrace(const TraceRequest& request) {
  CodeHolder code;
  code.init(jit::CodeCache::instance().environment());
  Assembler a(&code);
  CompiledTrace result;
  result.exits = std::make_unique<TraceExits>();
  TraceAssembler assembler(request, a, *result.exits);
  assembler.run();
  auto* base = static_cast<const uint8_t*>(jit::CodeCache::instance().add(code, request.name));
  if (!base) return CompiledTrace();
  result.entry = base;
  result.loopStart = base + code.labelOffsetFromBase(assembler.loopStart());
  result.adaptedStart = request.adoptFrameBytes >= 0 ? base + code.labelOffsetFromBase(assembler.adaptedStart())
                                                      : result.loopStart;
  result.frameBytes = assembler.frameBytes();
  result.codeBytes = code.codeSize();
  const void* exitReturn = base + code.labelOffsetFromBase(assembler.exitReturn());
  for (size_t s = 0; s < request.trace->snapshots().size(); s++) request.exitTargets[s] = exitReturn;
  if (request.log) result.disassembly = jit::disassemble(base, code.codeSize());
  return result;
}

const void* compileLinkExit(int32_t frameBytes, const void* token, const std::string& name) {
  CodeHolder code;
  code.init(jit::CodeCache::instance().environment());
  Assembler a(&code);
  a.add(rsp, frameBytes);
  for (size_t k = std::size(kCalleeSaved); k-- > 0;) a.pop(kCalleeSaved[k]);
  a.mov(rax, reinterpret_cast<uint64_t>(token));
  a.ret();
  return jit::CodeCache::instance().add(code, name);
}

}  // namespace som::tier2
