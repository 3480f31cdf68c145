// Tier-2 code generation for a recorded trace (see backend.cpp).
#pragma once

#include <string>

#include "interp/frame.h"
#include "jit/tier2/ir.h"

namespace som::tier2 {

// Runs the loop until a guard fails; answers that guard's snapshot index. `spill` has a
// word per IR instruction and holds every value afterwards (exits read it).
using TraceFn = uint32_t (*)(Value* slots, Frame* frame, uint64_t* spill);

struct CompiledTrace {
  TraceFn entry = nullptr;  // nullptr: the code cache is full
  size_t codeBytes = 0;
  std::string disassembly;  // with --jit-log
};

CompiledTrace compileTrace(const Trace& trace, const std::string& name, bool log);

}  // namespace som::tier2
