// What a trace's exit writes back, as data. Most guards never fail, or fail rarely, so
// their exits do not get code of their own: a compact stub hands the exit's map to one
// shared handler, which saves the registers and lets restoreExit() write the words. An
// exit that gets a side trace (it is taken often) then gets a native stub compiled from
// the same map, and an EXIT (taken at every return of an entry trace) has one from the
// start. Before this, every exit had a native stub: four fifths of the code of traces
// with many inlined frames, and most of their compile time.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "jit/tier2/ir.h"

namespace som::tier2 {

// Where a value of a trace lives at a point of its code.
// Sixteen bytes: a trace keeps one per IR instruction for its exits, as long as it lives.
struct Location {
  enum Kind : uint8_t { None, Register, Stack, Constant } kind = None;
  uint8_t regId = 0;   // Register: the 64-bit register's id
  int32_t offset = 0;  // Stack: from rsp
  uint64_t constant = 0;

  static Location inRegister(const asmjit::x86::Gp& r) { return {Register, uint8_t(r.id()), 0, 0}; }
  static Location onStack(int32_t offset) { return {Stack, 0, offset, 0}; }
  static Location ofConstant(uint64_t value) { return {Constant, 0, 0, value}; }
  asmjit::x86::Gp reg() const { return asmjit::x86::gpq(regId); }
};

// A word of an object an exit makes (a context's variable, an Array's element): its
// offset in the object, and its value.
struct ExitField {
  int32_t offset;
  Location value;
};

// One word an exit writes: a VM stack slot (from the traced frame's slot 0), or the block
// or context word of an inlined activation (`aside`).
struct ExitWrite {
  enum Op : uint8_t {
    Copy,        // a
    BoxDouble,   // the Double with the bits in a
    NewBlock,    // a block of method `imm` with outer context a (or the context this exit
                 // made for `outer`) and self b
    NewContext,  // a context of method `imm` with outer context a, its words stored
                 // (TraceExits::forEachField)
    NewArray,    // an Array of `imm` elements, its words stored
    Select       // a != 0 ? b : c
  } op = Copy;
  int32_t slot = 0;
  uint64_t* aside = nullptr;
  IrRef ref = kNoRef;  // the value: one computed here is computed once (one object)
  IrRef outer = kNoRef;
  Location a, b, c;
  uint64_t imm = 0;
};

struct TraceExits;

// Calls f(store) for each of `stores` (in order) into `object` that comes before
// instruction `until`: what an exit that makes the object stores into it, and so what it
// needs alive (the stores a trace leaves to its exits: regalloc.cpp).
template <class F>
void forEachStoreInto(const std::vector<IrIns>& ins, const std::vector<IrRef>& stores, IrRef object, IrRef until,
                      F&& f) {
  for (IrRef store : stores) {
    if (store >= until) break;
    if (ins[store].a == object) f(ins[store]);
  }
}

// A compact stub jumps through `stub` (offset 0) with the map's address in r11. Stubs go
// on through the exit's target with it there too: the trace's one return reads the
// exit's token from it (one return per exit made a sixth of the code of traces).
struct ExitMap {
  const void* stub = nullptr;
  const TraceExits* exits = nullptr;
  uint32_t snapshot = 0;
  const void* token = nullptr;  // what the exit answers when it leaves native code
};

// What a trace's exits need, kept with its code: where each IR value lives, and which
// values only exits compute. An exit's words are derived from its snapshot on demand (a
// list of them per exit would take more memory than native stubs took code).
struct TraceExits {
  const Trace* trace = nullptr;
  std::vector<Location> locations;  // per IR instruction
  std::vector<bool> atExit;         // values computed by the exits that need them
  std::vector<IrRef> onlyGuard;     // per snapshot: its one guard, or kNoRef
  std::vector<IrRef> firstGuard;    // per snapshot: its first guard (the state an exit
                                    // makes contexts in: see regalloc.cpp)
  std::vector<IrRef> objectStores;  // the stores into contexts and Arrays left to the
                                    // exits, in order
  uint64_t* closures = nullptr;     // see TraceRequest
  uint64_t* contexts = nullptr;
  const void* const* targets = nullptr;  // per snapshot: where its exit goes on
  std::unique_ptr<ExitMap[]> maps;       // per snapshot

  // Calls f(ExitWrite) for each word snapshot s's exit writes: the contexts of its
  // inlined activations first (a block the exit makes may need one the exit makes), then
  // their blocks, then the snapshot's slots.
  template <class F>
  void forEachWrite(uint32_t s, F&& f) const {
    const Snapshot& snapshot = trace->snapshots()[s];
    for (bool contextsFirst : {true, false})
      for (size_t k = 0; k < snapshot.frames.size(); k++) {
        IrRef ref = contextsFirst ? snapshot.frames[k].context : snapshot.frames[k].closure;
        if (ref == kNoRef) continue;
        ExitWrite w = write(ref, s);
        w.aside = (contextsFirst ? contexts : closures) + k;
        f(w);
      }
    for (auto& [slot, ref] : snapshot.slots) {
      ExitWrite w = write(ref, s);
      w.slot = int32_t(slot);
      f(w);
    }
  }
  ExitWrite write(IrRef ref, uint32_t s) const;

  // Calls f(ExitField) for each word that snapshot s's exit stores into object `ref`
  // (a NewContext or NewArray write): the trace's stores into it before the snapshot's
  // first guard, in order (a later store to the same word wins, as in the trace).
  template <class F>
  void forEachField(IrRef ref, uint32_t s, F&& f) const {
    forEachStoreInto(trace->instructions(), objectStores, ref, firstGuard[s], [&](const IrIns& st) {
      f(ExitField{int32_t(*trace->storeOffset(st)), locations[Trace::storedValue(st)]});
    });
  }
};

// A Boolean made from a condition whose guard failed at an exit has a known value there:
// `onlyGuard` is the exit's one guard (or kNoRef), `select` the Boolean.
inline bool conditionKnownAtExit(const std::vector<IrIns>& ins, IrRef onlyGuard, IrRef select) {
  return onlyGuard != kNoRef && ins[onlyGuard].a == ins[select].a;
}

// rdst := the value at `l`.
inline void loadLocation(asmjit::x86::Assembler& a, const asmjit::x86::Gp& dst, const Location& l) {
  if (l.kind == Location::Constant) a.mov(dst, l.constant);
  else if (l.kind == Location::Register) {
    if (l.reg() != dst) a.mov(dst, l.reg());
  } else if (l.kind == Location::Stack) {
    a.mov(dst, asmjit::x86::qword_ptr(asmjit::x86::rsp, l.offset));
  } else {
    std::fprintf(stderr, "tier2: a value without a location\n");
    std::abort();
  }
}

// The shared handler compact stubs jump to, with the map in r11 (compiled on first use;
// nullptr when the code cache is full).
const void* sharedExitHandler();

// The compact stub: hands `map` to map.stub.
void emitCompactExitStub(asmjit::x86::Assembler& a, const ExitMap& map);

// A native stub: writes the map's words from the registers and spill words where they
// are, then jumps through map.target.
void emitNativeExitStub(asmjit::x86::Assembler& a, const ExitMap& map);

// The same as separate code, for an exit that became hot: answers its address (nullptr
// when the code cache is full).
const void* compileNativeExitStub(const ExitMap& map, const std::string& name);

}  // namespace som::tier2
