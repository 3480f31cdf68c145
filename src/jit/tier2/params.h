// Tier 2's parameters (params.def): one table of limits and thresholds, with
// command-line overrides.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace som::tier2 {

struct Parameters {
#define TIER2_PARAM(name, value, underBoth, meaning) uint32_t name = value;
#include "jit/tier2/params.def"
#undef TIER2_PARAM
};

extern Parameters params;

// Sets one parameter by name; answers false (with the reason in `error`) when there is no
// such parameter or the value is out of its range.
bool setParameter(std::string_view name, uint64_t value, std::string& error);

// Under --jit=both: the parameters not set on the command line take their defaults for
// that configuration (params.def).
void useDefaultsUnderBoth();

// One line per parameter: name, default and meaning (for --help).
std::string describeParameters();

}  // namespace som::tier2
