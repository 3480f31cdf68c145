// The code cache: executable memory for both compiled tiers, with a size limit, symbols
// for profilers (--perf-map) and statistics.
//
// Policy when the limit is reached: no further code is compiled (methods keep running in
// the tier they are in; the interpreter is always available). Code is never freed while
// the VM runs, because native return addresses into it may be live on the stack.
#pragma once

#include <asmjit/x86.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace som::jit {

struct CodeCacheStats {
  uint64_t codeBytes = 0;
  uint64_t functions = 0;
  uint64_t refused = 0;  // compilations refused because the cache was full
};

class CodeCache {
 public:
  static CodeCache& instance();

  void configure(size_t limitBytes, bool perfMap);
  const asmjit::Environment& environment() const { return runtime_.environment(); }
  // Copies the assembled code into executable memory. Answers nullptr (and counts a
  // refusal) when the cache would exceed its limit; `name` goes to the perf map.
  void* add(asmjit::CodeHolder& code, const std::string& name);
  bool hasRoomFor(size_t bytes) const { return stats_.codeBytes + bytes <= limit_; }
  const CodeCacheStats& stats() const { return stats_; }

 private:
  asmjit::JitRuntime runtime_;
  size_t limit_ = size_t(64) << 20;
  bool perfMap_ = false;
  std::FILE* perfMapFile_ = nullptr;
  CodeCacheStats stats_;
};

}  // namespace som::jit
