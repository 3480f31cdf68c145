// Tier 1: subroutine-threaded native code for warm methods, generated from the directive
// table (interp/bytecodes.def) and the Interp instantiation of the handlers. See
// generator.cpp for the code shape.
#pragma once

#include <cstdint>

#include "interp/frame.h"

namespace som::tier1 {

// Native code of a method: runs the activation `frame` (already set up, operand stack at
// `sp`) from its first bytecode, or from `resumeAt` (an address from loopEntry /
// entryAt). Answers like the interpreter: the result, or null while unwinding. The
// caller ends the activation (leave()).
using Code = Value (*)(Frame* frame, Value* sp, const void* resumeAt);

// A method's direct entry: builds its own frame (see generator.cpp). For blocks, args[0]
// is the block being evaluated.
using Direct = Value (*)(Frame* caller, Value* args);

struct Stats {
  uint64_t methodsCompiled = 0;
  uint64_t bytecodesCompiled = 0;
  uint64_t compileMicros = 0;
  uint64_t failed = 0;
};

// Configures tier 1 from U.options (threshold, log, perf map, code cache size).
void configure(bool enabled);
// Compiles `m` if it can; answers whether it now has tier-1 code.
bool compile(Method* m);
// The native address where bytecode `ip` of `m` starts, compiling `m` first if needed;
// nullptr when `m` has no tier-1 code.
const void* loopEntry(Method* m, const uint8_t* ip);
inline Value enter(Frame& frame, Value* sp, const void* resumeAt) {
  return reinterpret_cast<Code>(frame.method->tier1Code)(&frame, sp, resumeAt);
}
const Stats& stats();

// Type feedback of intrinsic send sites (arithmetic, comparisons).
bool expectsDoubles(const Method* m, unsigned ic);
void noteSlowOperands(Method* m, unsigned ic, const Value* sp);

}  // namespace som::tier1
