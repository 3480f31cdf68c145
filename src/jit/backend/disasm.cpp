#include "jit/backend/disasm.h"

#include <Zydis/Zydis.h>

#include <cstdio>

namespace som::jit {

std::string disassemble(const uint8_t* code, size_t size,
                        std::string (*annotate)(size_t offset, void* ctx), void* ctx) {
  std::string out;
  size_t offset = 0;
  ZydisDisassembledInstruction insn;
  while (offset < size) {
    if (annotate) out += annotate(offset, ctx);
    uint64_t address = reinterpret_cast<uint64_t>(code) + offset;
    if (!ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, address, code + offset,
                                            size - offset, &insn))) {
      char line[64];
      std::snprintf(line, sizeof line, "  %016lx  (bad byte %02x)\n", (unsigned long)address, code[offset]);
      out += line;
      offset++;
      continue;
    }
    char line[192];
    std::snprintf(line, sizeof line, "  %016lx  %s\n", (unsigned long)address, insn.text);
    out += line;
    offset += insn.info.length;
  }
  return out;
}

}  // namespace som::jit
