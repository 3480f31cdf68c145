// The heap: the one interface the rest of the VM allocates through.
//
// Behind it today is the Boehm-Demers-Weiser collector (libgc): non-moving, so object
// addresses can be embedded in native code as constants; conservative on the C++ stack,
// so primitives may hold raw object pointers across allocations; precise enough for
// SOM because every heap pointer is an untagged, 8-byte-aligned word. The VM stack is
// pushed as a root by a callback that covers only its live part.
#pragma once

#include <cstddef>
#include <cstdint>

namespace som::heap {

struct Stats {
  uint64_t collections;
  uint64_t collectionTimeMs;
  uint64_t bytesAllocated;
  uint64_t heapSize;
};

void initialize(size_t maxHeapBytes);

// Memory that may hold pointers to other heap objects; zero-filled.
void* allocate(size_t bytes);
// Memory that never holds heap pointers (string bytes, GMP limbs, boxed doubles).
void* allocateAtomic(size_t bytes);
// Memory the collector scans but never frees (symbol table, VM-owned tables).
void* allocateImmortal(size_t bytes);

void collect();
Stats stats();

// Registers the region [begin, *end) as a root; *end is read at each collection.
void addDynamicRoot(void* begin, void* const* end);

}  // namespace som::heap
