#pragma once
// What every benchmark here reports beside Google Benchmark's time: how many
// heap allocations and bytes its timed part made, per item. The bench
// binaries replace the global operator new/delete to count them (support.cpp);
// nothing else in the project does.

#include <benchmark/benchmark.h>

#include <cstdint>

namespace evo::bench {

/// This thread's heap since the program started. `live` is what is held now;
/// `peak` the most held at once since the last reset_peak().
struct HeapStats {
  std::uint64_t allocations = 0;
  std::uint64_t bytes = 0;
  std::int64_t live = 0;
  std::int64_t peak = 0;
};

HeapStats heap_stats() noexcept;
void reset_peak() noexcept;

/// The workload size, n; a hundredth of it under --evo_smoke (the ctest smoke
/// run, which only checks that every benchmark still runs).
std::int64_t scaled(std::int64_t n) noexcept;

/// Wraps a benchmark's timed loop: set-up and clean-up go through untimed(),
/// and finish() turns the totals into per-item counters.
class Meter {
 public:
  explicit Meter(benchmark::State& state) : state_(state), start_(heap_stats()) {}

  /// Runs f with the clock paused; its allocations are not counted either.
  template <class F>
  void untimed(F&& f) {
    state_.PauseTiming();
    HeapStats before = heap_stats();
    f();
    HeapStats after = heap_stats();
    skipped_allocations_ += after.allocations - before.allocations;
    skipped_bytes_ += after.bytes - before.bytes;
    state_.ResumeTiming();
  }

  /// items_per_iteration: callbacks, timers, hops or users in one pass.
  void finish(std::int64_t items_per_iteration) {
    HeapStats end = heap_stats();
    auto items = static_cast<double>(state_.iterations() * items_per_iteration);
    state_.SetItemsProcessed(state_.iterations() * items_per_iteration);
    state_.counters["allocs_per_item"] =
        static_cast<double>(end.allocations - start_.allocations - skipped_allocations_) / items;
    state_.counters["bytes_per_item"] =
        static_cast<double>(end.bytes - start_.bytes - skipped_bytes_) / items;
  }

 private:
  benchmark::State& state_;
  HeapStats start_;
  std::uint64_t skipped_allocations_ = 0;
  std::uint64_t skipped_bytes_ = 0;
};

}  // namespace evo::bench
