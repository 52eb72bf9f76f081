#pragma once
// One scenario, run through one stage on the virtual clock with a recorder
// attached: its trace lines and what the caller saw. The equivalence tests
// compare these across the stages.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/reactor.hpp"
#include "common/scenario.hpp"
#include "common/trace.hpp"

namespace evo {

struct Recorded {
  std::vector<std::string> trace;
  Outcome outcome;
};

/// No seed: FIFO ready order; a seed shuffles every ready phase. Checks that
/// nothing of the stage (handlers, futures, frames) outlives the run.
inline Recorded record(const StageApi& stage, const Scenario& scenario,
                       std::optional<std::uint64_t> seed) {
  Reactor reactor(ClockMode::virtual_time);
  Recorder recorder;
  reactor.set_observer(&recorder);
  if (seed) reactor.shuffle_ready_order(*seed);
  Services services(reactor, scenario.services);
  Recorded result;
  start_scenario(stage, services, scenario, result.outcome);
  reactor.run();
  EXPECT_EQ(live_handlers(), 0u) << stage.name;
  EXPECT_EQ(stage.live_objects(), 0u) << stage.name;
  result.trace = recorder.lines();
  return result;
}

}  // namespace evo
