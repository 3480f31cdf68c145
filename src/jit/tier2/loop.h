// Loop optimization of a root trace (loop.cpp): the recorded iteration becomes a peeled
// first iteration followed by the loop body, re-emitted through folding and CSE, with
// PHIs for the values carried around the loop.
#pragma once

#include "jit/tier2/ir.h"

namespace som::tier2 {

// Rewrites a trace that ends in LOOP. Answers false (leaving `t` unusable: callers keep a
// copy) when the body cannot be expressed with PHIs of the values the first iteration
// had: the trace is then compiled as recorded.
bool peelLoop(Trace& t);

}  // namespace som::tier2
