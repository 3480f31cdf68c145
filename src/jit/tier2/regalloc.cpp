// Where a trace's values live, decided before any code is emitted.
//
// Dead code first: pure instructions and loads that nothing needed uses are dropped.
// Values that only exits need are left to the exit stubs. A comparison used only by a
// guard is emitted at the guard. Then one linear scan: a value lives from its instruction
// to its last use, where uses include the snapshots of later guards (an exit writes the
// snapshot's values to the frame); in a peeled loop, what the body uses from the first
// iteration, and the PHIs' operands, live until the back edge. A value gets one location
// for its whole life: a register, or a spill word when none is free; constants stay
// immediates.
#include "jit/tier2/trace_assembler.h"

namespace som::tier2 {

// Dead code first: pure instructions and loads whose values nothing needed uses (the
// recorder emits tag tests that later fold, say) are not emitted. Then the values only
// exits need (atExit_), then each value's uses and last use.
void TraceAssembler::computeLiveness() {
  size_t count = ins_.size();
  needed_.assign(count, false);
  for (IrRef n = IrRef(count); n-- > 0;) {
    IrOp op = ins_[n].op;
    bool removable = (kIrOps[uint8_t(op)].flags & Pure) || op == IrOp::LOAD || op == IrOp::LOADB ||
                     op == IrOp::LOADX || op == IrOp::NEWBLK || op == IrOp::NEWCTX || op == IrOp::NEWARR;
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
  carried_.assign(count, false);
  for (IrRef n = 0; n < count; n++)
    if (needed_[n] && ins_[n].op == IrOp::PHI) carried_[ins_[n].a] = carried_[ins_[n].b] = true;
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

// Boxed Doubles, Booleans, blocks, contexts and Arrays that only snapshots use (and PHIs
// between such values) are not computed in the trace: the exit stubs that write them
// compute them, from their operands. So the loop keeps doubles unboxed, and a boxed Double
// that has no immediate form, a block, the context of an inlined method or a temporary
// Array costs an allocation only if an exit needs it. A context's variables and an Array's
// elements are the stores into them (with the loads forwarded to them, ir.cpp): they are
// left to the exits too, which store the values that the trace had stored where the
// exit's state was taken (before its snapshot's first guard).
void TraceAssembler::findValuesOnlyExitsNeed() {
  size_t count = ins_.size();
  atExit_.assign(count, false);
  bool objects = false;  // (contexts or Arrays: most traces make none)
  for (IrRef n = 0; n < count; n++) {
    const IrIns& i = ins_[n];
    atExit_[n] = needed_[n] && (i.op == IrOp::BOXD || i.op == IrOp::NEWBLK || i.op == IrOp::NEWCTX ||
                                i.op == IrOp::NEWARR ||
                                (i.op == IrOp::SELECT && t_.isConstant(i.b) && t_.isConstant(i.c) &&
                                 !t_.isConstant(i.a)));
    objects |= atExit_[n] && (i.op == IrOp::NEWCTX || i.op == IrOp::NEWARR);
  }
  firstGuard_.assign(t_.snapshots().size(), kNoRef);
  std::vector<IrRef> lastGuard(objects ? t_.snapshots().size() : 0, kNoRef);
  objectStores_.clear();
  for (IrRef n = 0; objects && n < count; n++) {
    if (!needed_[n]) continue;
    if (ins_[n].snapshot >= 0) {
      size_t s = size_t(ins_[n].snapshot);
      if (firstGuard_[s] == kNoRef) firstGuard_[s] = n;
      lastGuard[s] = n;
    }
    if (isObjectStore(n)) objectStores_.push_back(n);
  }
  // A call from inside inlined activations writes their frame records (with their blocks
  // and contexts) in the trace.
  for (IrRef n = 0; n < count; n++)
    if (needed_[n] && ins_[n].op == IrOp::CALLM)
      for (const SnapFrame& f : t_.snapshots()[size_t(ins_[n].snapshot)].frames)
        for (IrRef r : {f.closure, f.context})
          if (r != kNoRef) atExit_[r] = false;
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
    if (a.op == IrOp::NEWCTX || a.op == IrOp::NEWARR) return false;  // (their words differ)
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
      } else if (objects && isObjectStore(n) && atExit_[i.a]) {
        unsink(Trace::storedValue(i));  // (the store goes with its object)
      } else if (i.op == IrOp::NEWBLK && atExit_[n] && ins_[i.a].op == IrOp::NEWCTX) {
        unsink(i.b);  // (its context may be made by the exit too)
      } else {
        // Exit stubs compute one level: what a computed value needs is computed in the
        // trace (but a block's context, which an exit makes first).
        forEachOperand(n, false, unsink);
      }
    }
    // An exit that makes a block over a context it makes writes the context first, as an
    // inlined activation's (exit_map.h): else the context is made in the trace.
    bool contextsAtExits = false;
    for (IrRef n = 0; objects && n < count && !contextsAtExits; n++)
      contextsAtExits = atExit_[n] && ins_[n].op == IrOp::NEWCTX;
    for (size_t s = 0; contextsAtExits && s < t_.snapshots().size(); s++) {
      if (firstGuard_[s] == kNoRef) continue;
      const Snapshot& snapshot = t_.snapshots()[s];
      auto written = [&](IrRef r) {
        for (const SnapFrame& f : snapshot.frames)
          if (f.context == r) return true;
        return false;
      };
      auto check = [&](IrRef r) {
        if (r != kNoRef && atExit_[r] && ins_[r].op == IrOp::NEWBLK && atExit_[ins_[r].a] && !written(ins_[r].a))
          unsink(ins_[r].a);
      };
      for (auto& [slot, ref] : snapshot.slots) check(ref);
      for (const SnapFrame& f : snapshot.frames) check(f.closure);
    }
    // The guards of one snapshot must agree on an object's words.
    for (IrRef store : objectStores_)
      for (size_t s = 0; s < t_.snapshots().size(); s++)
        if (firstGuard_[s] != kNoRef && firstGuard_[s] < store && store < lastGuard[s]) unsink(ins_[store].a);
  }
  std::erase_if(objectStores_, [&](IrRef store) { return !atExit_[ins_[store].a]; });
  for (IrRef store : objectStores_) atExit_[store] = true;  // (not emitted)
  // Which guard a snapshot's stub is for, when only one guard uses it.
  onlyGuard_.assign(t_.snapshots().size(), kNoRef);
  std::vector<uint32_t> guards(t_.snapshots().size(), 0);
  for (IrRef n = 0; n < count; n++)
    if (emitted(n) && ins_[n].snapshot >= 0) {
      size_t s = size_t(ins_[n].snapshot);
      guards[s]++;
      onlyGuard_[s] = n;
      if (firstGuard_[s] == kNoRef) firstGuard_[s] = n;
    }
  for (size_t s = 0; s < guards.size(); s++)
    if (guards[s] != 1) onlyGuard_[s] = kNoRef;
}

bool TraceAssembler::conditionKnownAtExit(IrRef select, int32_t s) const {
  return tier2::conditionKnownAtExit(ins_, onlyGuard_[size_t(s)], select);
}


void TraceAssembler::expire(IrRef n) {
  for (size_t k = 0; k < active_.size();) {
    IrRef r = active_[k];
    if (lastUse_[r] < n) {
      for (size_t g = 0; g < std::size(kAllocatable); g++)
        if (kAllocatable[g] == loc_[r].reg()) free_[g] = true;
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
    loc_[n] = Location::ofConstant(uint64_t(i.imm));
    return;
  }
  if (!producesValue(i.op) || lastUse_[n] == kNoRef || sunkInto_[n] != kNoRef || atExit_[n]) return;
  for (size_t g = 0; g < std::size(kAllocatable); g++) {
    if (free_[g]) {
      free_[g] = false;
      loc_[n] = Location::inRegister(kAllocatable[g]);
      active_.push_back(n);
      return;
    }
  }
  // No register is free: the value whose last use is furthest away goes to the stack for
  // its whole life (locations are chosen before any code is emitted), if that is further
  // than n's. Long-lived values (a loop's invariants) then live in memory, where a use
  // costs a load, rather than every short-lived temporary costing a store and a load.
  // Loop-carried values (PHI operands) keep theirs: they are used every iteration.
  size_t victim = SIZE_MAX;
  for (size_t k = 0; k < active_.size(); k++)
    if (!carried_[active_[k]] && (victim == SIZE_MAX || lastUse_[active_[k]] > lastUse_[active_[victim]])) victim = k;
  if (victim != SIZE_MAX && lastUse_[active_[victim]] > lastUse_[n]) {
    IrRef spilled = active_[victim];
    loc_[n] = loc_[spilled];
    loc_[spilled] = Location::onStack(8 * stackWords_++);
    active_[victim] = n;
    return;
  }
  loc_[n] = Location::onStack(8 * stackWords_++);
}


}  // namespace som::tier2
