#include "jit/tier2/params.h"

#include <set>

namespace som::tier2 {

Parameters params;

namespace {
std::set<std::string, std::less<>> setOnCommandLine;
}

bool setParameter(std::string_view name, uint64_t value, std::string& error) {
  if (value > UINT32_MAX) {
    error = "the value of tier-2 parameter '" + std::string(name) + "' is too large";
    return false;
  }
  if (name == "maxinline" && (value < 1 || value > 16)) {
    error = "tier-2 parameter 'maxinline' must be between 1 and 16";
    return false;
  }
#define TIER2_PARAM(n, v, underBoth, meaning) \
  if (name == #n) {                           \
    params.n = uint32_t(value);               \
    setOnCommandLine.emplace(name);           \
    return true;                              \
  }
#include "jit/tier2/params.def"
#undef TIER2_PARAM
  error = "unknown tier-2 parameter '" + std::string(name) + "' (--help lists them)";
  return false;
}

void useDefaultsUnderBoth() {
#define TIER2_PARAM(n, v, underBoth, meaning) \
  if (!setOnCommandLine.count(#n)) params.n = underBoth;
#include "jit/tier2/params.def"
#undef TIER2_PARAM
}

std::string describeParameters() {
  std::string out;
  char line[240];
#define TIER2_PARAM(n, v, underBoth, meaning)                                                  \
  if (v == underBoth)                                                                          \
    std::snprintf(line, sizeof line, "      %-13s %5u  %s\n", #n, unsigned(v), meaning);      \
  else                                                                                         \
    std::snprintf(line, sizeof line, "      %-13s %5u  %s (under --jit=both: %u)\n", #n,     \
                  unsigned(v), meaning, unsigned(underBoth));                                  \
  out += line;
#include "jit/tier2/params.def"
#undef TIER2_PARAM
  return out;
}

}  // namespace som::tier2
