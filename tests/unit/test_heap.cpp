// The heap interface (gc/heap.h): zeroed allocation, bounded heap under churn, collection
// statistics, and survival of reachable objects. The collector's own API (gc.h) is used
// only to observe reclamation (disappearing links).
#include <gc/gc.h>
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "gc/heap.h"
#include "vm_fixture.h"

using namespace som;
using twosom_test::ensureHeap;
using twosom_test::VmTest;

namespace {

class Heap : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ensureHeap(); }
};

bool allZero(const void* p, size_t n) {
  auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; i++)
    if (b[i]) return false;
  return true;
}

// Allocates `count` objects of `bytes` each, fills them with a pattern, drops them.
__attribute__((noinline)) void churnDirty(size_t count, size_t bytes) {
  for (size_t i = 0; i < count; i++) {
    void* p = heap::allocate(bytes);
    std::memset(p, 0xA5, bytes);
  }
}

// A node of a heap-allocated linked list: next pointer, then payload words.
struct ListNode {
  ListNode* next;
  uint64_t id;
  uint64_t payload[14];
};

uint64_t pattern(uint64_t id, int k) { return id * 0x9E3779B97F4A7C15ull ^ uint64_t(k) * 0x100000001B3ull; }

// Roots for the survival tests: memory the collector scans but never frees.
ListNode** immortalRoot() {
  static ListNode** root = static_cast<ListNode**>(heap::allocateImmortal(sizeof(ListNode*)));
  return root;
}

// Link cells the collector does not scan (malloc memory): it clears them when the
// object they name becomes unreachable.
struct Links {
  size_t n;
  void** cells;
  explicit Links(size_t count) : n(count), cells(static_cast<void**>(std::calloc(count, sizeof(void*)))) {}
  ~Links() {
    for (size_t i = 0; i < n; i++)
      if (cells[i]) GC_unregister_disappearing_link(&cells[i]);
    std::free(cells);
  }
  void track(size_t i, void* obj) {
    cells[i] = obj;
    GC_general_register_disappearing_link(&cells[i], obj);
  }
  size_t alive() const {
    size_t a = 0;
    for (size_t i = 0; i < n; i++)
      if (cells[i]) a++;
    return a;
  }
};

__attribute__((noinline)) void allocateTracked(Links& links) {
  for (size_t i = 0; i < links.n; i++) {
    void* p = heap::allocate(64);
    static_cast<uint64_t*>(p)[0] = i;
    links.track(i, p);
  }
}

// Clobbers the part of the native stack below the caller so stale pointers left by
// earlier calls do not keep objects alive conservatively.
__attribute__((noinline)) void scrubStack() {
  volatile char buf[16384];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = 0;
}

}  // namespace

TEST_F(Heap, AllocateReturnsZeroedMemory) {
  for (size_t bytes : {size_t(8), size_t(16), size_t(24), size_t(40), size_t(128), size_t(1000), size_t(4096),
                       size_t(100000), size_t(1) << 20}) {
    void* p = heap::allocate(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u) << "heap objects are 8-byte aligned";
    EXPECT_TRUE(allZero(p, bytes)) << bytes;
  }
}

TEST_F(Heap, ReusedMemoryIsZeroedAgain) {
  // Dirty many objects, let them die, collect, and allocate the same sizes again: the
  // collector hands out recycled memory, which must come back zero-filled.
  for (size_t bytes : {size_t(16), size_t(48), size_t(256), size_t(2048)}) {
    churnDirty(20000, bytes);
    scrubStack();
    heap::collect();
    for (int i = 0; i < 20000; i++) {
      void* p = heap::allocate(bytes);
      ASSERT_TRUE(allZero(p, bytes)) << bytes << " bytes, allocation " << i;
    }
  }
}

TEST_F(Heap, ImmortalMemoryIsZeroed) {
  for (size_t bytes : {size_t(8), size_t(64), size_t(4096), size_t(65536)}) {
    void* p = heap::allocateImmortal(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(allZero(p, bytes)) << bytes;
  }
}

TEST_F(Heap, AtomicMemoryIsUsable) {
  // Atomic memory is not necessarily zeroed, but must be writable for its full size.
  auto* p = static_cast<unsigned char*>(heap::allocateAtomic(10000));
  ASSERT_NE(p, nullptr);
  std::memset(p, 0x5A, 10000);
  EXPECT_EQ(p[0], 0x5A);
  EXPECT_EQ(p[9999], 0x5A);
}

// Pointer-free objects come from free lists the collector does not scan: objects still on
// a list at a collection must stay allocated, or the library hands the same memory out
// again while the list does too.
TEST_F(Heap, AtomicFreeListsSurviveCollections) {
  constexpr size_t kRounds = 8, kPerRound = 300;
  auto** ours = static_cast<uint64_t**>(heap::allocateImmortal(sizeof(void*) * kRounds * kPerRound));
  auto** theirs = static_cast<uint64_t**>(heap::allocateImmortal(sizeof(void*) * kRounds * kPerRound));
  for (size_t r = 0; r < kRounds; r++) {
    for (size_t k = 0; k < kPerRound; k++) {  // (leaves objects on the list)
      size_t i = r * kPerRound + k;
      ours[i] = static_cast<uint64_t*>(heap::allocateAtomic(24));
      for (int w = 0; w < 3; w++) ours[i][w] = pattern(i, w);
    }
    heap::collect();
    for (size_t k = 0; k < kPerRound; k++) {  // what the collector reclaimed, reused
      size_t i = r * kPerRound + k;
      theirs[i] = static_cast<uint64_t*>(GC_MALLOC_ATOMIC(24));
      for (int w = 0; w < 3; w++) theirs[i][w] = ~pattern(i, w);
    }
  }
  for (size_t i = 0; i < kRounds * kPerRound; i++)
    for (int w = 0; w < 3; w++) {
      ASSERT_EQ(ours[i][w], pattern(i, w)) << "object " << i;
      ASSERT_EQ(theirs[i][w], ~pattern(i, w)) << "object " << i;
    }
}

TEST_F(Heap, CollectIncrementsCollections) {
  uint64_t before = heap::stats().collections;
  heap::collect();
  uint64_t after1 = heap::stats().collections;
  EXPECT_GT(after1, before);
  heap::collect();
  heap::collect();
  EXPECT_GE(heap::stats().collections, after1 + 2);
}

TEST_F(Heap, StatsCountAllocatedBytes) {
  uint64_t before = heap::stats().bytesAllocated;
  for (int i = 0; i < 1000; i++) heap::allocate(1024);
  EXPECT_GE(heap::stats().bytesAllocated - before, uint64_t(1000) * 1024);
  EXPECT_GT(heap::stats().heapSize, 0u);
}

TEST_F(Heap, ChurnKeepsHeapBounded) {
  // 500 MB allocated in 1 KB objects, with only 16 of them alive at any time: the heap
  // must be reused, not grown (50x the live data and far more).
  constexpr size_t kObject = 1024;
  constexpr size_t kTotal = size_t(500) << 20;
  constexpr size_t kLive = 16;
  void** live = static_cast<void**>(heap::allocateImmortal(sizeof(void*) * kLive));
  heap::Stats start = heap::stats();
  uint64_t maxHeap = start.heapSize;
  for (size_t i = 0; i < kTotal / kObject; i++) {
    auto* p = static_cast<uint64_t*>(heap::allocate(kObject));
    p[0] = i;
    live[i % kLive] = p;
    if ((i & 4095) == 0) {
      uint64_t h = heap::stats().heapSize;
      if (h > maxHeap) maxHeap = h;
    }
  }
  heap::Stats end = heap::stats();
  if (end.heapSize > maxHeap) maxHeap = end.heapSize;
  EXPECT_LT(maxHeap, uint64_t(256) << 20) << "heap grew to " << (maxHeap >> 20) << " MB";
  EXPECT_LT(maxHeap - start.heapSize, uint64_t(128) << 20);
  EXPECT_GT(end.collections, start.collections) << "churning 500 MB must trigger collections";
  EXPECT_GE(end.bytesAllocated - start.bytesAllocated, uint64_t(kTotal));
  // The last kLive objects are still intact.
  size_t n = kTotal / kObject;
  for (size_t k = 0; k < kLive; k++) {
    size_t i = n - kLive + k;
    EXPECT_EQ(static_cast<uint64_t*>(live[i % kLive])[0], i);
  }
}

TEST_F(Heap, ReachableObjectsSurviveCollection) {
  // A list of 2000 nodes rooted in immortal memory, each with an atomic side buffer.
  constexpr int kNodes = 2000;
  ListNode** root = immortalRoot();
  *root = nullptr;
  for (int i = 0; i < kNodes; i++) {
    auto* n = static_cast<ListNode*>(heap::allocate(sizeof(ListNode)));
    n->id = uint64_t(i);
    for (int k = 0; k < 13; k++) n->payload[k] = pattern(uint64_t(i), k);
    auto* side = static_cast<uint64_t*>(heap::allocateAtomic(64));
    for (int k = 0; k < 8; k++) side[k] = ~pattern(uint64_t(i), k);
    n->payload[13] = reinterpret_cast<uint64_t>(side);  // interior heap pointer word
    n->next = *root;
    *root = n;
  }
  for (int round = 0; round < 3; round++) {
    churnDirty(50000, sizeof(ListNode));  // garbage of the same size class, written over
    churnDirty(50000, 64);
    scrubStack();
    heap::collect();
  }
  int count = 0;
  for (ListNode* n = *root; n; n = n->next) {
    int i = kNodes - 1 - count;
    ASSERT_EQ(n->id, uint64_t(i));
    for (int k = 0; k < 13; k++) ASSERT_EQ(n->payload[k], pattern(uint64_t(i), k)) << i << " " << k;
    auto* side = reinterpret_cast<uint64_t*>(n->payload[13]);
    for (int k = 0; k < 8; k++) ASSERT_EQ(side[k], ~pattern(uint64_t(i), k)) << i << " " << k;
    count++;
  }
  EXPECT_EQ(count, kNodes);
  *root = nullptr;
}

TEST_F(Heap, UnreachableObjectsAreReclaimed) {
  Links links(2000);
  allocateTracked(links);
  ASSERT_EQ(links.alive(), 2000u);
  scrubStack();
  heap::collect();
  heap::collect();
  // The native stack is scanned conservatively; allow a few stray references.
  EXPECT_LT(links.alive(), 100u) << "unreachable objects were not reclaimed";
}

TEST_F(Heap, ImmortalRootKeepsObjectsAlive) {
  Links links(500);
  void** holder = static_cast<void**>(heap::allocateImmortal(sizeof(void*) * 500));
  allocateTracked(links);
  for (size_t i = 0; i < 500; i++) holder[i] = links.cells[i];
  scrubStack();
  heap::collect();
  EXPECT_EQ(links.alive(), 500u);
  for (size_t i = 0; i < 500; i++) holder[i] = nullptr;
  scrubStack();
  heap::collect();
  EXPECT_LT(links.alive(), 50u);
}

// The VM stack is a dynamic root: only its live part (below stackHighWater) is scanned.
class HeapVmStack : public VmTest {};

TEST_F(HeapVmStack, LivePartOfVmStackIsARoot) {
  constexpr size_t kObjs = 500;
  Value* saveHigh = U.stackHighWater;
  Value* base = U.stackBase + 64;  // clear of anything the other tests leave there
  Links links(kObjs);
  allocateTracked(links);
  for (size_t i = 0; i < kObjs; i++) base[i] = Value::fromObject(static_cast<Object*>(links.cells[i]));
  U.stackHighWater = base + kObjs;
  scrubStack();
  heap::collect();
  EXPECT_EQ(links.alive(), kObjs) << "objects referenced from the live VM stack were freed";
  for (size_t i = 0; i < kObjs; i++)
    if (links.cells[i]) {
      EXPECT_EQ(static_cast<uint64_t*>(links.cells[i])[0], i);
    }

  // Above the high-water mark the words are dead: the objects are reclaimed.
  U.stackHighWater = base;
  scrubStack();
  heap::collect();
  EXPECT_LT(links.alive(), 50u) << "words above stackHighWater kept objects alive";
  for (size_t i = 0; i < kObjs; i++) base[i] = Value();
  U.stackHighWater = saveHigh;
}

// The heap's growth is backed by huge pages (gc/huge_pages.cpp): a large private anonymous
// mapping, as libgc makes when the heap grows, is advised for them (smaps flag "hg").
TEST(HugePages, LargeAnonymousMappingsAreAdvised) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer intercepts mmap itself";
#else
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  if (!std::getline(mode, modes) || modes.find("[never]") != std::string::npos)
    GTEST_SKIP() << "transparent huge pages are not available";
  size_t length = size_t(8) << 20;
  void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  auto address = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line, flags;
  bool inMapping = false;
  while (std::getline(smaps, line)) {
    unsigned long from, to;
    if (std::sscanf(line.c_str(), "%lx-%lx", &from, &to) == 2) inMapping = from <= address && address < to;
    else if (inMapping && line.rfind("VmFlags:", 0) == 0) flags = line;
  }
  munmap(p, length);
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
#endif
}
