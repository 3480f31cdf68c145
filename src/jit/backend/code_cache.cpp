#include "jit/backend/code_cache.h"

#include <unistd.h>

#include <cstdio>

namespace som::jit {

CodeCache& CodeCache::instance() {
  static CodeCache* cache = new CodeCache();
  return *cache;
}

void CodeCache::configure(size_t limitBytes, bool perfMap) {
  limit_ = limitBytes;
  perfMap_ = perfMap;
}

void* CodeCache::add(asmjit::CodeHolder& code, const std::string& name) {
  size_t size = code.codeSize();
  if (!hasRoomFor(size)) {
    stats_.refused++;
    return nullptr;
  }
  void* fn = nullptr;
  if (runtime_.add(&fn, &code) != asmjit::kErrorOk) {
    stats_.refused++;
    return nullptr;
  }
  stats_.codeBytes += size;
  stats_.functions++;
  if (perfMap_) {
    if (!perfMapFile_) {
      std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
      perfMapFile_ = std::fopen(path.c_str(), "w");
    }
    if (perfMapFile_) {
      std::fprintf(perfMapFile_, "%lx %zx %s\n", reinterpret_cast<unsigned long>(fn), size, name.c_str());
      std::fflush(perfMapFile_);
    }
  }
  return fn;
}

}  // namespace som::jit
