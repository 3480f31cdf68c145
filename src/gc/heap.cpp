#include "gc/heap.h"

#include <gc/gc.h>
#include <gc/gc_mark.h>

#include <cstdio>
#include <cstdlib>

namespace som::heap {
namespace {

void* rootBegin = nullptr;
void* const* rootEnd = nullptr;
GC_push_other_roots_proc pushThreadStacks = nullptr;  // the collector's own hook

void pushVmRoots() {
  if (pushThreadStacks) pushThreadStacks();
  if (rootBegin && rootEnd && *rootEnd > rootBegin) GC_push_all(rootBegin, *rootEnd);
}

[[noreturn]] void* outOfMemory(size_t bytes) {
  std::fflush(stdout);
  std::fprintf(stderr, "Out of memory: could not allocate %zu bytes (heap limit reached)\n", bytes);
  std::exit(1);
}

void* checked(void* p, size_t bytes) {
  if (__builtin_expect(p == nullptr, 0)) outOfMemory(bytes);
  return p;
}

}  // namespace

void initialize(size_t maxHeapBytes) {
  GC_INIT();
  GC_start_performance_measurement();
  if (maxHeapBytes) GC_set_max_heap_size(maxHeapBytes);
  // Start with room to allocate: a tiny initial heap makes allocation-heavy programs
  // collect every few hundred kilobytes.
  size_t initial = size_t(64) << 20;
  if (maxHeapBytes && maxHeapBytes / 2 < initial) initial = maxHeapBytes / 2;
  GC_expand_hp(initial);
  pushThreadStacks = GC_get_push_other_roots();
  GC_set_push_other_roots(pushVmRoots);
  GC_set_warn_proc([](char*, GC_word) {});  // never print collector chatter
}

void* allocate(size_t bytes) { return checked(GC_MALLOC(bytes), bytes); }
void* allocateAtomic(size_t bytes) {
  void* p = checked(GC_MALLOC_ATOMIC(bytes), bytes);
  return p;
}
void* allocateImmortal(size_t bytes) { return checked(GC_MALLOC_UNCOLLECTABLE(bytes), bytes); }

void collect() { GC_gcollect(); }

Stats stats() {
  return Stats{GC_get_gc_no(), GC_get_full_gc_total_time(), GC_get_total_bytes(),
               GC_get_heap_size()};
}

void addDynamicRoot(void* begin, void* const* end) {
  rootBegin = begin;
  rootEnd = end;
}

}  // namespace som::heap
