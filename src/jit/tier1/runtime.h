// The entry points tier-1 code calls (see runtime.cpp).
#pragma once

#include <cstdint>

#include "vm/objects.h"

namespace som {
struct Interp;
struct Frame;
}

namespace som::tier1 {

// Runs a handler: the operand stack pointer in and out, the bytecode's address (for
// backtraces and sends) and its operands as arguments.
using Handler = Value* (*)(Value* sp, Interp* m, const uint8_t* ip, unsigned a, unsigned b);

// The adapter for a bytecode whose directive is Call (and for sends); nullptr otherwise.
Handler handlerFor(uint8_t bc);

// RETURN_NONLOCAL: the value the activation returns (null while unwinding).
uint64_t returnNonLocalFromNative(Interp* m, unsigned level);

// After a call answered null: where to continue (restart), or the value to return.
struct Resume {
  const void* at;  // non-null: jump here (the operand stack was reset)
  uint64_t value;  // otherwise: return this (null: keep unwinding)
};
Resume unwindFromNative(Interp* m);

[[noreturn]] void nonBooleanFromNative(Interp* m, uint64_t value);
[[noreturn]] void stackOverflowFromNative(Frame* f);
// Gives a direct-entry activation its own context (frame->context is its outer one).
void openContext(Frame* f);

// Native address of bytecode `offset` in m's tier-1 code, or nullptr.
const void* entryAt(Method* m, uint32_t offset);
// A loop back edge of tier-1 code whose counter ran out (--jit=both): lets tier 2 run the
// loop's trace or record one (m->ip is the loop header, m->sp the stack). Answers where
// the code continues: the loop header's code (nullptr), `unwind` when a send in it
// answered the unwind marker, or the code of the bytecode the trace or recording left
// off at. Resets `*counter`.
const void* backEdgeFromNative(Interp* m, uint32_t* counter, const void* unwind);
// At the direct entry of a method called often (past U.entryThreshold): tier 2 runs its
// entry trace or records one. Answers where the tier-1 code continues (`unwind` when it
// unwinds), or nullptr to run it from its first bytecode.
const void* entryFromNative(Interp* m, const void* unwind);
// After the entry trace tier-1 code called itself left through `exitToken` (tier2.h):
// answers where the code continues (`unwind` when it unwinds).
const void* afterEntryTraceFromNative(Interp* m, const void* exitToken, const void* unwind);
// Back edges between two such calls.
uint32_t backEdgeInterval();

}  // namespace som::tier1
