// Tier 2: a tracing JIT for hot loops. The interpreter counts loop back edges; past the
// `hotloop` parameter (params.def) the next iteration is recorded (recorder.h) into trace
// IR (ir.h), compiled (backend.h), and run from then on whenever the loop header is
// reached with the same operand stack depth. A failing guard leaves the trace at a
// bytecode boundary described by its snapshot: the frame slots are written back and the
// interpreter (or tier-1 code) goes on. An exit taken often gets a side trace, which its
// stub then jumps to; traces end by looping or by jumping into another loop's trace.
#pragma once

#include <cstdint>

#include "interp/frame.h"

namespace som::tier2 {

struct Stats {
  uint64_t tracesCompiled = 0;      // root traces
  uint64_t sideTracesCompiled = 0;
  uint64_t recordingsAborted = 0;
  uint64_t loopsBlacklisted = 0;
  uint64_t tracesDropped = 0;
  uint64_t traceEntries = 0;
  uint64_t exitsTaken = 0;
  uint64_t compileMicros = 0;
  uint64_t codeBytes = 0;
};

// Enables tier 2 (--jit=tier2 or both); its parameters are in params.h.
void configure(bool enabled);
bool enabled();
uint32_t threshold();  // loop back edges before recording

// At a back edge of a hot method: `ip` is the loop header, `sp` the operand stack. Runs
// the loop's trace or records one, and answers true when it did either (ip and sp then
// say where the interpreter continues; `unwinding` means the last bytecode executed was
// a send that answered the unwind marker). Answers false when the interpreter should just
// go on.
// `iterations`: back edges this call stands for (tier-1 code calls every few);
// `traced`, if given, is set to whether the loop has a trace afterwards (tier-1 code then
// calls at every back edge).
bool onBackEdge(Frame& frame, const uint8_t*& ip, Value*& sp, bool& unwinding, uint32_t iterations = 1,
                bool* traced = nullptr);

// At the entry of a method called often (`hotcall`; from activate(), and under --jit=both
// from tier-1 code until the entry has a trace, see below): `ip` is its first bytecode.
// Like onBackEdge; and when `returned` is given and the trace ended with the method's
// return, sets *returned to the activation's result instead (ip and sp then mean nothing).
bool onEntry(Frame& frame, const uint8_t*& ip, Value*& sp, bool& unwinding, Value* returned = nullptr);
uint32_t entryThreshold();

// Entry traces called from tier-1 code (--jit=both). A method's entry trace, once it has
// one, is in m->tier2EntryCode (a TraceFn, backend.h): tier-1 code calls it itself and
// gets an exit token, which begins with an ExitResume. If that names tier-1 code, the
// exit needs nothing else (an entry trace's return, say) and the code goes on there with
// the operand stack `spWords` above the frame's slots; otherwise it calls
// afterEntryTrace(), which does what an exit needs (side traces, resuming inlined
// activations) and says where the method continues, like onEntry. Sets `plainPc` when
// the exit can from now on be resumed through its ExitResume, at that bytecode with
// `spWords` stack words (which tier 1 then fills in).
struct ExitResume {
  const void* tier1 = nullptr;
  uint64_t spWords = 0;
};
void afterEntryTrace(Frame& frame, const void* exitToken, const uint8_t*& ip, Value*& sp, bool& unwinding,
                     const uint8_t*& plainPc, uint64_t& spWords);
// What tier-1 code maintains around such a call: the stack extent every trace may write
// (bytes from the frame's slots; the stack high-water mark must cover it), and the counts.
uint64_t* maxExtentBytes();
uint64_t* traceEntryCount();
uint64_t* exitCount();

const Stats& stats();

}  // namespace som::tier2
