#pragma once
// What a run cost the machine, for --stats: wall and CPU time, the peak
// resident memory, and the heap allocations. Allocations are counted only in
// the stage binaries, which link common/count_allocations.cpp (a replaced
// global operator new); anywhere else they read as "not counted".
#include <cstdint>
#include <optional>
#include <string>

namespace evo::cost {

struct Snapshot {
  double wall_seconds = 0;
  double cpu_seconds = 0;
  std::optional<std::uint64_t> allocations;  ///< nullopt: not counted in this program
  std::optional<std::uint64_t> bytes;        ///< bytes asked of operator new
};

Snapshot now();

/// "Cost: 0.021s wall, 0.020s CPU, peak RSS 12.4 MB, 3 allocations (312 B) per workflow"
std::string line(const Snapshot& before, const Snapshot& after, std::int64_t workflows);

}  // namespace evo::cost
