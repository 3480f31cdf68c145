#include "gc/heap.h"

#include <gc/gc.h>
#include <gc/gc_inline.h>
#include <gc/gc_mark.h>

#include <cstdio>
#include <cstdlib>

namespace som::heap {
namespace {

// Small pointer-holding objects come from free lists of our own, refilled a batch at a
// time, as the collector's thread-local allocator does: the library's GC_malloc takes its
// allocation lock on every call. The lists live in static storage, which the collector
// scans, and their objects are linked through their first word, so everything on them
// stays reachable. Sizes are in granules and include the byte the collector adds for
// interior pointers, as GC_malloc counts them.
void* smallFreeLists[GC_TINY_FREELISTS];
// The same for pointer-free objects (strings, boxed doubles). The collector does not scan
// them, so only a list's head would be reachable through this array: the root callback
// pushes every link (pushAtomicFreeLists).
void* atomicFreeLists[GC_TINY_FREELISTS];

void* rootBegin = nullptr;
void* const* rootEnd = nullptr;
GC_push_other_roots_proc pushThreadStacks = nullptr;  // the collector's own hook

void pushAtomicFreeLists() {
  for (void* head : atomicFreeLists)
    for (void* node = head; node; node = *static_cast<void**>(node))
      GC_push_all(node, static_cast<char*>(node) + sizeof(void*));
}

void pushVmRoots() {
  if (pushThreadStacks) pushThreadStacks();
  pushAtomicFreeLists();
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
  // The calling thread is the collector's only one (main.cpp): its stack is the one to
  // scan, which need not be the process's first thread's.
  GC_stack_base stack;
  if (GC_get_stack_base(&stack) == GC_SUCCESS) GC_set_stackbottom(nullptr, &stack);
  GC_INIT();
  GC_start_performance_measurement();
  if (maxHeapBytes) GC_set_max_heap_size(maxHeapBytes);
  // Start with room to allocate: a tiny initial heap makes allocation-heavy programs
  // collect every few hundred kilobytes. But not with much room: until the first
  // collection every allocation touches fresh pages (a page fault, the kernel's zeroing,
  // then ours), which made a program that allocates a lot but keeps little (Sieve,
  // DeltaBlue, Json) 1.3-4x slower for its first 64 MB than afterwards; after a
  // collection the same, cache-warm memory is reused.
  size_t initial = size_t(16) << 20;
  if (maxHeapBytes && maxHeapBytes / 2 < initial) initial = maxHeapBytes / 2;
  GC_expand_hp(initial);
  // Collect after allocating about as much as was live at the last collection (the
  // default, a third of it, made Havlak, whose live data is large, collect three times as
  // often and spend a fifth of its time marking); the heap settles at about twice the
  // live data.
  GC_set_free_space_divisor(1);
  pushThreadStacks = GC_get_push_other_roots();
  GC_set_push_other_roots(pushVmRoots);
  GC_set_warn_proc([](char*, GC_word) {});  // never print collector chatter
}

void* allocate(size_t bytes) {
  size_t granules = (bytes + GC_GRANULE_BYTES) / GC_GRANULE_BYTES;
  void* p;
  GC_FAST_MALLOC_GRANS(p, granules, smallFreeLists, 0, GC_I_NORMAL, GC_MALLOC(bytes),
                       *static_cast<void**>(p) = nullptr);
  return checked(p, bytes);
}
void* allocateAtomic(size_t bytes) {
  size_t granules = (bytes + GC_GRANULE_BYTES) / GC_GRANULE_BYTES;
  void* p;
  GC_FAST_MALLOC_GRANS(p, granules, atomicFreeLists, 0, GC_I_PTRFREE, GC_MALLOC_ATOMIC(bytes), (void)0);
  return checked(p, bytes);
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
