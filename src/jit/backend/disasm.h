// Disassembly of generated code for --jit-log (Zydis, Intel syntax).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace som::jit {

// One instruction per line: address, bytes' mnemonic text; `annotate(offset)` may add a
// comment line before the instruction at that offset (e.g. the bytecode it implements).
std::string disassemble(const uint8_t* code, size_t size,
                        std::string (*annotate)(size_t offset, void* ctx) = nullptr, void* ctx = nullptr);

}  // namespace som::jit
