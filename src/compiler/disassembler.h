// Text form of a method's bytecode, for --jit-log and debugging.
#pragma once

#include <string>

#include "vm/objects.h"

namespace som {

// One bytecode: "  12 SEND #at:put: ic=3"
std::string describeBytecode(const Method* m, uint32_t offset);
std::string disassembleMethod(const Method* m);
std::string methodName(const Method* m);  // Holder>>#selector (with " [block]" for blocks)

}  // namespace som
