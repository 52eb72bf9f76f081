#include "cost.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>

// Defined by common/count_allocations.cpp where it is linked; weak, so that a
// program without it links too, and the address is null.
extern "C" __attribute__((weak)) void evo_heap_counts(std::uint64_t* allocations,
                                                      std::uint64_t* bytes);

namespace evo::cost {

Snapshot now() {
  Snapshot s;
  s.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec cpu{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  s.cpu_seconds = static_cast<double>(cpu.tv_sec) + static_cast<double>(cpu.tv_nsec) * 1e-9;
  if (evo_heap_counts) {
    std::uint64_t allocations = 0, bytes = 0;
    evo_heap_counts(&allocations, &bytes);
    s.allocations = allocations;
    s.bytes = bytes;
  }
  return s;
}

std::string line(const Snapshot& before, const Snapshot& after, std::int64_t workflows) {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);  // ru_maxrss: kilobytes on Linux
  char text[256];
  int n = std::snprintf(text, sizeof text, "Cost: %.3fs wall, %.3fs CPU, peak RSS %.1f MB",
                        after.wall_seconds - before.wall_seconds,
                        after.cpu_seconds - before.cpu_seconds,
                        static_cast<double>(usage.ru_maxrss) / 1024.0);
  std::string out(text, static_cast<std::size_t>(n));
  if (!after.allocations || !before.allocations) return out + ", allocations not counted";
  double per = workflows > 0 ? static_cast<double>(workflows) : 1.0;
  std::snprintf(text, sizeof text, ", %.1f allocations (%.0f B) per workflow",
                static_cast<double>(*after.allocations - *before.allocations) / per,
                static_cast<double>(*after.bytes - *before.bytes) / per);
  return out + text;
}

}  // namespace evo::cost
