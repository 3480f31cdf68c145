// What tier-1 code calls: adapters from the native calling convention to the Interp
// instantiations of the handlers (interp/handlers.h), and to the shared return and unwind
// logic. Nothing here says what a bytecode means; it only passes operands along.
#include "jit/tier1/runtime.h"

#include "interp/interp_mode.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "jit/tier2/tier2.h"

namespace som::tier1 {
namespace {

// Each adapter runs the handler on a local copy of the Interp record, with the stack
// pointer and ip passed in registers, so that the handler's fast path touches no memory
// but the operand stack; it answers the new stack pointer.
#define WRAP_LIT(name)                                                              \
  Value* w_##name(Value* sp, Interp* m, const uint8_t* ip, unsigned a, unsigned) { \
    Interp local{{}, m->f, sp, ip, m->slots, m->literals};                            \
    op::name(local, a);                                                             \
    return local.sp;                                                                \
  }
#define WRAP_SEND(name)                                                              \
  Value* w_##name(Value* sp, Interp* m, const uint8_t* ip, unsigned a, unsigned b) { \
    Interp local{{}, m->f, sp, ip, m->slots, m->literals};                             \
    op::name(local, a, b);                                                           \
    return local.sp;                                                                 \
  }

WRAP_LIT(PUSH_GLOBAL)
WRAP_LIT(PUSH_BLOCK)
WRAP_LIT(PUSH_ARRAY_LIT)
WRAP_SEND(SEND)
WRAP_SEND(SUPER_SEND)
WRAP_SEND(ADD)
WRAP_SEND(SUB)
WRAP_SEND(MUL)
WRAP_SEND(LT)
WRAP_SEND(LE)
WRAP_SEND(GT)
WRAP_SEND(GE)
WRAP_SEND(EQ)
WRAP_SEND(AT)
WRAP_SEND(AT_PUT)

}  // namespace

Handler handlerFor(uint8_t bc) {
  switch (Bc(bc)) {
    case BC_PUSH_GLOBAL: return w_PUSH_GLOBAL;
    case BC_PUSH_BLOCK: return w_PUSH_BLOCK;
    case BC_PUSH_ARRAY_LIT: return w_PUSH_ARRAY_LIT;
    case BC_SEND: return w_SEND;
    case BC_SUPER_SEND: return w_SUPER_SEND;
    case BC_ADD: return w_ADD;
    case BC_SUB: return w_SUB;
    case BC_MUL: return w_MUL;
    case BC_LT: return w_LT;
    case BC_LE: return w_LE;
    case BC_GT: return w_GT;
    case BC_GE: return w_GE;
    case BC_EQ: return w_EQ;
    case BC_AT: return w_AT;
    case BC_AT_PUT: return w_AT_PUT;
    default: return nullptr;
  }
}

uint64_t returnNonLocalFromNative(Interp* m, unsigned level) {
  m->f->ip = m->ip;
  return returnNonLocal(*m->f, m->sp, level).raw();
}

Resume unwindFromNative(Interp* m) {
  Value v;
  switch (onUnwind(*m->f, v)) {
    case Unwind::Restart: {
      Method* method = m->f->method;
      m->sp = m->slots + method->numArgs + method->numLocals;
      return {entryAt(method, 0), 0};
    }
    case Unwind::Return:
      return {nullptr, v.raw()};
    case Unwind::Propagate:
      break;
  }
  return {nullptr, 0};
}

void nonBooleanFromNative(Interp* m, uint64_t value) { nonBooleanSlow(m->f, m->ip, Value::fromRaw(value)); }

void stackOverflowFromNative(Frame* f) { stackOverflow(f); }

void openContext(Frame* f) { som::openContext(*f); }

namespace {

// Where tier-1 code goes on after tier 2 ran the activation up to (ip, sp).
const void* resumeInTier1(Interp* m, const uint8_t* ip, Value* sp, bool unwinding, const void* unwind) {
  m->sp = sp;
  if (unwinding) return unwind;
  const void* at = entryAt(m->f->method, uint32_t(ip - m->f->method->code));
  if (!at) {
    std::fprintf(stderr, "tier1: no code for bytecode %u after a trace\n", unsigned(ip - m->f->method->code));
    std::abort();
  }
  return at;
}

}  // namespace

const void* backEdgeFromNative(Interp* m, uint32_t* counter, const void* unwind) {
  const uint8_t* header = m->ip;
  const uint8_t* ip = header;
  Value* sp = m->sp;
  bool unwinding = false;
  uint32_t iterations = backEdgeInterval();
  bool traced = false;
  // The activations the trace calls (a recursive method's loop calling the method) pass
  // this back edge too: it must not stay at zero, which would count down from 2^32 there.
  *counter = 1;
  bool handled = tier2::onBackEdge(*m->f, ip, sp, unwinding, iterations, &traced);
  *counter = traced ? 1 : iterations;
  if (!handled) return nullptr;
  return resumeInTier1(m, ip, sp, unwinding, unwind);
}

const void* entryFromNative(Interp* m, const void* unwind) {
  const uint8_t* ip = m->f->method->code;
  Value* sp = m->sp;
  bool unwinding = false;
  if (!tier2::onEntry(*m->f, ip, sp, unwinding)) return nullptr;
  return resumeInTier1(m, ip, sp, unwinding, unwind);
}

const void* afterEntryTraceFromNative(Interp* m, const void* exitToken, const void* unwind) {
  const uint8_t* ip = nullptr;
  Value* sp = nullptr;
  bool unwinding = false;
  const uint8_t* plainPc = nullptr;
  uint64_t spWords = 0;
  tier2::afterEntryTrace(*m->f, exitToken, ip, sp, unwinding, plainPc, spWords);
  if (plainPc) {  // from now on without this call
    auto* resume = static_cast<tier2::ExitResume*>(const_cast<void*>(exitToken));
    resume->spWords = spWords;
    resume->tier1 = entryAt(m->f->method, uint32_t(plainPc - m->f->method->code));
  }
  return resumeInTier1(m, ip, sp, unwinding, unwind);
}

uint32_t backEdgeInterval() { return std::min<uint32_t>(64, std::max<uint32_t>(tier2::threshold(), 1)); }

const void* entryAt(Method* m, uint32_t offset) {
  if (!m->tier1Code || offset > m->codeLength || m->tier1Map[offset] == UINT32_MAX) return nullptr;
  return static_cast<const uint8_t*>(m->tier1Code) + m->tier1Map[offset];
}

}  // namespace som::tier1
