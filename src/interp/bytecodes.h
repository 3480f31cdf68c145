// The bytecode enumeration and its directive table, generated from bytecodes.def.
#pragma once

#include <cstdint>

namespace som {

enum class BcKind : uint8_t { Plain, Jump, Branch, LoopBack, Send, Return };
enum class Tier1 : uint8_t { Inline, Call };

enum Bc : uint8_t {
#define BC(name, len, effect, kind, tier1) BC_##name,
#include "interp/bytecodes.def"
#undef BC
  kNumBytecodes
};

struct BcInfo {
  const char* name;
  uint8_t length;
  int8_t stackEffect;  // kVariableEffect for plain sends
  BcKind kind;
  Tier1 tier1;
};

inline constexpr int8_t kVariableEffect = 127;

inline constexpr BcInfo kBytecodes[] = {
#define VAR kVariableEffect
#define BC(name, len, effect, kind, tier1) {#name, len, effect, BcKind::kind, Tier1::tier1},
#include "interp/bytecodes.def"
#undef BC
#undef VAR
};

inline uint16_t readU16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }

}  // namespace som
