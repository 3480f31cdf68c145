// The immediate-Double encoding of vm/value.h (Value::asImmediateDouble and
// fromImmediateDouble) as x86-64 instructions, shared by both tiers' code generators.
#pragma once

#include <asmjit/x86.h>

#include "vm/value.h"

namespace som::jit {

// bits := the IEEE bits of the immediate Double `word` (+0.0 for the bare tag).
// `word` is left unchanged; `bits` and `scratch` must differ from it and from each other.
inline void emitUnboxDouble(asmjit::x86::Assembler& a, const asmjit::x86::Gp& bits,
                            const asmjit::x86::Gp& word, const asmjit::x86::Gp& scratch) {
  a.mov(scratch, word);
  a.shr(scratch, kTagBits);
  a.mov(bits, kDoubleExpBias);
  a.add(bits, scratch);
  a.ror(bits, 1);
  a.test(scratch, scratch);
  a.cmovz(bits, scratch);  // the bare tag is +0.0
}

// word := the immediate Double for the IEEE bits in `word`, or a jump to `decline` when
// it has none (exponent out of range, NaN, infinities, -0.0; +0.0 declines too).
inline void emitBoxDouble(asmjit::x86::Assembler& a, const asmjit::x86::Gp& word,
                          const asmjit::x86::Gp& scratch, const asmjit::Label& decline) {
  a.mov(scratch, word);
  a.shr(scratch, 52);
  a.and_(scratch, 0x7FF);
  a.sub(scratch, 897);
  a.cmp(scratch, 255);
  a.jae(decline);
  a.rol(word, 1);
  a.mov(scratch, kDoubleExpBias);
  a.sub(word, scratch);
  a.shl(word, kTagBits);
  a.or_(word, uint32_t(Tag::Double));
}

}  // namespace som::jit
