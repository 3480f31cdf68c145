// Tier-2 code generation for a recorded trace (see backend.cpp).
#pragma once

#include <string>

#include "interp/frame.h"
#include "jit/tier2/ir.h"

namespace som::tier2 {

// Runs the loop until a guard fails; writes that guard's snapshot words to the VM stack
// (from `slots` on) and answers the snapshot's index.
using TraceFn = uint32_t (*)(Value* slots, Frame* frame);

struct CompiledTrace {
  TraceFn entry = nullptr;  // nullptr: the code cache is full
  size_t codeBytes = 0;
  std::string disassembly;  // with --jit-log
};

// `iterations` is incremented by the code at the end of every iteration; an exit writes
// the closure of each block activation of its snapshot to closures[frame index].
CompiledTrace compileTrace(const Trace& trace, const std::string& name, uint64_t* iterations, uint64_t* closures,
                           bool log);

}  // namespace som::tier2
