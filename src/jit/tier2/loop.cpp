// Loop optimization by copy-substitution (the design of LuaJIT's lj_opt_loop).
//
// A root trace records one iteration: it reads frame slots (SLOAD) where it first needs
// them and writes the slots it changed back (SSTORE) before LOOP. Executed as is, every
// iteration reloads, re-checks and re-stores everything. Instead, the recorded iteration
// is kept as a *peeled* first iteration, without its final stores, and then emitted a
// second time, as the loop body, through the same folding and CSE as recording:
//
//   - an SLOAD of a slot the first iteration wrote is replaced by the value it wrote;
//     other SLOADs, constants and anything computed only from them are the first
//     iteration's own instructions (CSE finds them), so invariant guards and tag tests
//     disappear from the body: that is loop-invariant code motion for free;
//   - a value of the first iteration that the body uses, and whose copy in the body
//     differs (a loop-carried value, or something CSE shared with the first iteration
//     that varies), gets a PHI: at the back edge it takes its body copy's value. Folds
//     that looked through such a value's definition stay right, because the PHI carries
//     the matching value of the previous trip through the body;
//   - the body's snapshots add, for every slot the first iteration wrote, its current
//     value, since nothing is stored to memory inside the loop any more; but not the
//     traced method's locals that are dead where the exit resumes (written before they
//     are read on every path from there): else a local that each trip assigns afresh
//     (`p := Array with: i with: j`) would carry the previous trip's value to the body's
//     exits before the assignment, a PHI that keeps the value alive and made.
//
// The tags the body relied on for a PHI's value must hold for the value the PHI brings
// around (by construction they do: the body repeats the first iteration's operations and
// guards); if one does not, the pass answers false and the trace is compiled unpeeled.
#include "jit/tier2/loop.h"

#include <map>
#include <set>
#include <vector>

#include "interp/bytecodes.h"
#include "vm/objects.h"

namespace som::tier2 {
namespace {

// Whether frame slot `slot` of an activation of m is written before it is read on every
// path from bytecode `pc` (a return ends a path). Unsure (too many bytecodes to follow, or
// a send of #restart, which starts the activation over with its locals) means live.
bool deadAt(const Method* m, uint32_t pc, uint32_t slot) {
  std::vector<uint32_t> pending = {pc};
  std::set<uint32_t> seen;
  while (!pending.empty()) {
    uint32_t at = pending.back();
    pending.pop_back();
    if (!seen.insert(at).second) continue;
    if (seen.size() > 512) return false;
    const uint8_t* p = m->code + at;
    uint8_t bc = *p;
    if (bc == BC_PUSH_SLOT && p[1] == slot) return false;
    if ((bc == BC_SEND || bc == BC_SUPER_SEND) && asString(m->literals[readU16(p + 1)])->view() == "restart")
      return false;
    if ((bc == BC_POP_SLOT && p[1] == slot) || kBytecodes[bc].kind == BcKind::Return) continue;
    uint32_t next = at + kBytecodes[bc].length;
    switch (kBytecodes[bc].kind) {
      case BcKind::Jump: pending.push_back(next + readU16(p + 1)); break;
      case BcKind::LoopBack: pending.push_back(next - readU16(p + 1)); break;
      case BcKind::Branch:
        pending.push_back(next + readU16(p + 1));
        pending.push_back(next);
        break;
      default: pending.push_back(next); break;
    }
  }
  return true;
}

}  // namespace

bool peelLoop(Trace& t) {
  const std::vector<IrIns> recorded = t.instructions();
  if (recorded.empty() || recorded.back().op != IrOp::LOOP) return false;
  size_t end = recorded.size() - 1;
  while (end > 0 && recorded[end - 1].op == IrOp::SSTORE) end--;

  // Each slot's value when the first iteration ends: its last store (the final ones, and
  // those of primitive calls' arguments).
  std::map<int64_t, IrRef> slotAtEnd;
  std::set<int64_t> storedAtEnd;
  for (size_t n = 0; n + 1 < recorded.size(); n++)
    if (recorded[n].op == IrOp::SSTORE) {
      slotAtEnd[recorded[n].imm] = recorded[n].a;
      if (n >= end) storedAtEnd.insert(recorded[n].imm);
    }

  t.truncate(end);
  IrRef head = t.emit(IrOp::HEAD);
  std::vector<Trace::TagBits> tagsAtHead(head);
  for (IrRef r = 0; r < head; r++) tagsAtHead[r] = t.tagBits(r);

  std::vector<IrRef> subst(end);
  auto sub = [&](IrRef r) { return r == kNoRef ? kNoRef : subst[r]; };
  std::map<int32_t, int32_t> bodySnapshots;
  auto bodySnapshot = [&](int32_t s) {
    auto it = bodySnapshots.find(s);
    if (it != bodySnapshots.end()) return it->second;
    Snapshot copy = t.snapshots()[size_t(s)];
    const SnapFrame* frame = copy.frames.empty() ? nullptr : &copy.frames[0];
    auto dead = [&](uint32_t slot) {
      if (!frame || !frame->method) return false;
      const SnapFrame& traced = *frame;
      uint32_t local = slot - traced.base;
      return slot >= traced.base && local >= traced.method->numArgs &&
             local < uint32_t(traced.method->numArgs) + traced.method->numLocals && deadAt(traced.method, traced.pc, local);
    };
    std::set<uint32_t> listed;
    for (auto& [slot, ref] : copy.slots) {
      ref = sub(ref);
      listed.insert(slot);
    }
    std::erase_if(copy.slots, [&](const std::pair<uint32_t, IrRef>& s) { return dead(s.first); });
    for (int64_t slot : storedAtEnd)
      if (!listed.count(uint32_t(slot)) && !dead(uint32_t(slot))) copy.slots.push_back({uint32_t(slot), slotAtEnd[slot]});
    for (SnapFrame& f : copy.frames) {
      f.closure = sub(f.closure);
      f.context = sub(f.context);
    }
    int32_t index = t.addSnapshot(std::move(copy));
    bodySnapshots.emplace(s, index);
    return index;
  };

  for (IrRef n = 0; n < end; n++) {
    const IrIns& i = recorded[n];
    switch (i.op) {
      case IrOp::KWORD:
      case IrOp::FRAME:
        subst[n] = n;
        break;
      case IrOp::SLOAD: {
        auto it = slotAtEnd.find(i.imm);
        subst[n] = it == slotAtEnd.end() ? n : it->second;
        break;
      }
      default:
        subst[n] = t.emit(i.op, sub(i.a), sub(i.b), sub(i.c), i.imm,
                          i.snapshot >= 0 ? bodySnapshot(i.snapshot) : -1);
        break;
    }
  }

  if (t.hasFailingGuard()) return false;  // the body always exits: nothing to gain

  // The first iteration's values that the body uses and that vary.
  std::set<IrRef> carried;
  auto note = [&](IrRef r) {
    if (r != kNoRef && r < head && subst[r] != r) carried.insert(r);
  };
  const std::vector<IrIns>& now = t.instructions();
  for (IrRef n = head + 1; n < now.size(); n++) {
    uint8_t operands = kIrOps[uint8_t(now[n].op)].operands;
    if (operands > 0) note(now[n].a);
    if (operands > 1) note(now[n].b);
    if (operands > 2) note(now[n].c);
  }
  for (auto& [original, index] : bodySnapshots) {
    for (auto& [slot, ref] : t.snapshots()[size_t(index)].slots) note(ref);
    for (const SnapFrame& f : t.snapshots()[size_t(index)].frames) {
      note(f.closure);
      note(f.context);
    }
  }
  for (IrRef r : carried) {
    Trace::TagBits before = tagsAtHead[r], after = t.tagBits(subst[r]);
    if ((before.mask & ~after.mask) || ((before.bits ^ after.bits) & before.mask) || (before.room & ~after.room))
      return false;
  }
  for (IrRef r : carried) t.emit(IrOp::PHI, r, subst[r]);
  t.emit(IrOp::LOOP);
  return true;
}

}  // namespace som::tier2
