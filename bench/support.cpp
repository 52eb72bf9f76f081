// The counting heap and the main() of every bench binary.
//
// The heap is counted where every allocation ends up: malloc and its family
// are defined here, in the bench binaries only, on top of glibc's own
// (__libc_malloc and friends). Replacing operator new alone is not enough:
// Asio's handler and coroutine-frame allocator calls std::aligned_alloc
// directly, and would look free of charge. The counters are per thread and
// plain (no atomics): each benchmark runs on one thread, and an atomic add per
// allocation would tax the side that allocates more. Sizes come from
// malloc_usable_size: `live` is what malloc really hands out for the blocks
// (its own 8-byte header aside).
//
// Under AddressSanitizer, which brings its own malloc, nothing is counted: the
// sanitizer builds only run the smoke test, which reads no counter.

#include <malloc.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "measure.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EVO_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(EVO_SANITIZED)
#define EVO_COUNT_HEAP 0
#else
#define EVO_COUNT_HEAP 1
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}
#endif

namespace evo::bench {
namespace {

thread_local HeapStats heap;
bool smoke = false;

[[maybe_unused]] void* counted(void* p) noexcept {
  if (p != nullptr) {
    auto usable = static_cast<std::int64_t>(malloc_usable_size(p));
    ++heap.allocations;
    heap.bytes += static_cast<std::uint64_t>(usable);
    heap.live += usable;
    if (heap.live > heap.peak) heap.peak = heap.live;
  }
  return p;
}

[[maybe_unused]] void uncounted(void* p) noexcept {
  if (p != nullptr) heap.live -= static_cast<std::int64_t>(malloc_usable_size(p));
}

}  // namespace

HeapStats heap_stats() noexcept {
  return heap;
}

void reset_peak() noexcept {
  heap.peak = heap.live;
}

std::int64_t scaled(std::int64_t n) noexcept {
  return smoke ? (n + 99) / 100 : n;
}

}  // namespace evo::bench

#if EVO_COUNT_HEAP
using evo::bench::counted;
using evo::bench::uncounted;

extern "C" {
void* malloc(std::size_t n) noexcept {
  return counted(__libc_malloc(n));
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  return counted(__libc_calloc(n, size));
}
void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
  return counted(__libc_memalign(align, n));
}
void* memalign(std::size_t align, std::size_t n) noexcept {
  return counted(__libc_memalign(align, n));
}
int posix_memalign(void** out, std::size_t align, std::size_t n) noexcept {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
  void* p = counted(__libc_memalign(align, n));
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void* realloc(void* old, std::size_t n) noexcept {
  uncounted(old);
  return counted(__libc_realloc(old, n));
}
void free(void* p) noexcept {
  uncounted(p);
  __libc_free(p);
}
}
#endif

// Google Benchmark's own main, plus --evo_smoke (see scaled()).
int main(int argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--evo_smoke") == 0) {
      evo::bench::smoke = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 64;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
