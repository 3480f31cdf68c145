// Tier-2 code generation for a recorded trace (see backend.cpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "interp/frame.h"
#include "jit/tier2/exit_map.h"
#include "jit/tier2/ir.h"

namespace som::tier2 {

// A root trace's entry: runs until a guard fails; that guard's exit writes its snapshot's
// words to the VM stack (from `slots` on) and answers the exit's token. Side traces and
// LINKs continue in the same native frame layout, so an exit may come from any trace that
// the root's code reached.
using TraceFn = const void* (*)(Value* slots, Frame* frame);

struct TraceRequest {
  const Trace* trace = nullptr;
  std::string name;                     // for the perf map
  uint64_t* iterations = nullptr;       // incremented at LOOP and LINK
  uint64_t* ownLoops = nullptr;         // roots: incremented at LOOP too
  uint64_t* closures = nullptr;         // exits write the blocks of inlined block activations
                                        // here, one word per snapshot frame,
  uint64_t* contexts = nullptr;         // and the contexts of inlined activations that own one
  std::vector<const void*> exitTokens;  // per snapshot: what its exit answers
  const void** exitTargets = nullptr;   // per snapshot: where its exit stub goes on after
                                        // writing the snapshot (set here to the stub's own
                                        // return; later to a side trace's entry)
  int32_t parentFrameBytes = -1;        // side traces: the native frame of their parent
  // A trace ending in LINK: the word holding where LINKs to the linked loop jump, the
  // native frame they arrive with, and the loop's count of LINKs into it.
  const void* const* linkEntry = nullptr;
  int32_t linkFrameBytes = 0;
  uint64_t* linkedIn = nullptr;
  // A root recorded again for a loop that had one: the frame LINKs to the loop arrive
  // with (the first root's), for an entry that adapts it (CompiledTrace::adaptedStart).
  int32_t adoptFrameBytes = -1;
  bool log = false;
};

struct CompiledTrace {
  const void* entry = nullptr;      // nullptr: the code cache is full. Roots: a TraceFn;
                                    // side traces: jumped to from their parent's exit stub
  const void* loopStart = nullptr;  // where LINKs to this trace jump
  const void* adaptedStart = nullptr;  // the same for LINKs arriving with adoptFrameBytes
  int32_t frameBytes = 0;           // the trace's spill area below the saved registers
  size_t codeBytes = 0;
  std::string disassembly;          // with log
  std::unique_ptr<TraceExits> exits;  // (their stubs point into it)
};

CompiledTrace compileTrace(const TraceRequest& request);

// Code for LINKs that arrive (with native frame `frameBytes`, their state written to the
// VM stack) at a loop whose root was dropped: it leaves native code answering `token`.
const void* compileLinkExit(int32_t frameBytes, const void* token, const std::string& name);

// A call a trace makes from inside inlined activations writes frame records for them on
// its native stack (callFromInlinedLevels). When the call unwinds to one of them, the
// unwinding is aimed at this stand-in for inlined level `level` (1 is the traced
// activation's callee) instead: the exit resumes that activation with a real frame, which
// takes the unwinding over (ResumePoint::replaces).
const Frame* inlinedLevelStandIn(uint32_t level);

}  // namespace som::tier2
