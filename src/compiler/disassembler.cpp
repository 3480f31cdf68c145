#include "compiler/disassembler.h"

#include <cstdio>

#include "interp/bytecodes.h"
#include "vm/numbers.h"
#include "vm/universe.h"

namespace som {

static std::string literalText(Value v) {
  if (v.isSmallInt() || isLargeInt(v)) return integerToString(v);
  if (isDouble(v)) return doubleToString(doubleOf(v));
  if (isKind(v, Kind::Symbol)) return "#" + std::string(asString(v)->view());
  if (isKind(v, Kind::String)) return "'" + std::string(asString(v)->view()) + "'";
  if (isKind(v, Kind::Method)) return "block";
  if (isKind(v, Kind::Array)) return "#(...)";
  return "?";
}

std::string methodName(const Method* m) {
  const Method* home = m;
  while (home->outerMethod) home = home->outerMethod;
  std::string holder = home->holder ? className(home->holder) : "?";
  return holder + ">>#" + std::string(home->signature->view()) + (m->isBlock() ? " [block]" : "");
}

std::string describeBytecode(const Method* m, uint32_t offset) {
  const uint8_t* p = m->code + offset;
  const BcInfo& info = kBytecodes[*p];
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, "%5u %s", offset, info.name);
  std::string s(buf, size_t(n));
  switch (Bc(*p)) {
    case BC_PUSH_SLOT: case BC_POP_SLOT: case BC_PUSH_FIELD: case BC_POP_FIELD:
    case BC_RETURN_NONLOCAL:
      s += " " + std::to_string(p[1]);
      break;
    case BC_PUSH_CTX: case BC_POP_CTX:
      s += " " + std::to_string(p[1]) + " level " + std::to_string(p[2]);
      break;
    case BC_PUSH_CONST: case BC_PUSH_GLOBAL: case BC_PUSH_BLOCK: case BC_PUSH_ARRAY_LIT:
      s += " " + literalText(m->literals[readU16(p + 1)]);
      break;
    default:
      if (info.kind == BcKind::Send) {
        s += " " + literalText(m->literals[readU16(p + 1)]) + " ic=" + std::to_string(readU16(p + 3));
      } else if (info.kind == BcKind::Jump || info.kind == BcKind::Branch) {
        s += " -> " + std::to_string(offset + 3 + readU16(p + 1));
      } else if (info.kind == BcKind::LoopBack) {
        s += " -> " + std::to_string(offset + 3 - readU16(p + 1));
      }
  }
  return s;
}

std::string disassembleMethod(const Method* m) {
  std::string out;
  for (uint32_t off = 0; off < m->codeLength; off += kBytecodes[m->code[off]].length)
    out += describeBytecode(m, off) + "\n";
  return out;
}

}  // namespace som
