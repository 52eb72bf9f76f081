// Counts the program's heap allocations for --stats (common/cost.hpp). A
// program may replace the global operator new and delete, and the stage
// binaries do, with these: malloc and free, plus a count. Linked into the
// stage binaries only (and not under the sanitizers, which replace them too):
// the tests and the benchmarks keep the library's own.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace {
// Relaxed atomics: the stage binaries run one thread, but a counter that
// could tear would be a poor thing to copy.
std::atomic<std::uint64_t> allocations{0};
std::atomic<std::uint64_t> bytes{0};

void* allocate(std::size_t size, std::size_t alignment) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  bytes.fetch_add(size, std::memory_order_relaxed);
  if (size == 0) size = 1;  // new must return a unique pointer even for 0 bytes
  for (;;) {
    void* p = alignment <= alignof(std::max_align_t)
                  ? std::malloc(size)
                  : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
    if (p) return p;
    // What the standard's operator new does when memory runs out: ask the
    // new-handler to free some, and throw only if there is none.
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}
}  // namespace

extern "C" void evo_heap_counts(std::uint64_t* count, std::uint64_t* total) {
  *count = allocations.load(std::memory_order_relaxed);
  *total = bytes.load(std::memory_order_relaxed);
}

// libstdc++'s array and nothrow forms call these.
void* operator new(std::size_t size) {
  return allocate(size, alignof(std::max_align_t));
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return allocate(size, static_cast<std::size_t>(alignment));
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
