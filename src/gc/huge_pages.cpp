// The collector's heap in huge pages.
//
// Every page the heap touches for the first time costs a page fault, and on the virtual
// machines we run on a fault costs microseconds: on the mixed workload (bench/workload),
// whose benchmarks keep meeting new code and growing the heap, faults were a tenth of the
// run. Asked with madvise(MADV_HUGEPAGE), the kernel backs a region with 2 MB pages
// (transparent huge pages, in their usual "madvise" mode): 512 times fewer faults. But
// libgc maps its heap itself and has no hook for it. So this file defines mmap: the
// dynamic linker binds the shared libraries' calls of mmap (the collector's, asmjit's) to
// the executable's definition before the C library's, and this one asks for huge pages
// for what a heap's growth looks like, a large private anonymous read-write mapping. The
// C library's own mappings (malloc's arenas, thread stacks) go through its internal entry
// and are not affected; neither are reservations (MAP_NORESERVE: the VM stack).
//
// Not under AddressSanitizer, which intercepts mmap itself.
#if !defined(__SANITIZE_ADDRESS__)

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

static_assert(sizeof(void*) == 8, "the mmap system call takes a byte offset on 64-bit Linux only");

namespace {

constexpr size_t kHugePage = size_t(2) << 20;

bool looksLikeHeapGrowth(size_t length, int prot, int flags, int fd) {
  return fd == -1 && length >= kHugePage && prot == (PROT_READ | PROT_WRITE) &&
         (flags & ~MAP_FIXED) == (MAP_PRIVATE | MAP_ANONYMOUS);
}

}  // namespace

extern "C" void* mmap(void* address, size_t length, int prot, int flags, int fd, off_t offset) noexcept {
  // (syscall sets errno and answers -1, which is MAP_FAILED, as the C library's mmap does)
  void* p = reinterpret_cast<void*>(syscall(SYS_mmap, address, length, prot, flags, fd, offset));
  if (p != MAP_FAILED && looksLikeHeapGrowth(length, prot, flags, fd)) madvise(p, length, MADV_HUGEPAGE);
  return p;
}

#endif
