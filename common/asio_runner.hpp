#pragma once
// The stage binaries' run on the Asio engine (--engine asio). No Asio header
// here: the runner that includes this stays a light translation unit.

#include "cli.hpp"
#include "scenario.hpp"

namespace evo {

/// What the runner reports after a run, whichever engine ran it.
struct EngineRun {
  Duration total;
  Reactor::Stats stats;
  std::size_t live_objects = 0;      ///< engine or stage objects still alive: must be 0
  std::string backend_error;         ///< HTTP backend: the last failed request, and why
  std::size_t peak_connections = 0;  ///< HTTP backend: most connections open at once
};

/// Runs the scenario of `options` through `stage` on a single-threaded
/// io_context, on the clock of `options`, reporting to `observer`; it stops
/// early once *stop is not zero (a signal: see runner.cpp).
EngineRun run_on_asio(const AsioStageApi& stage, const Options& options, TraceObserver& observer,
                      Outcome& outcome, const volatile std::sig_atomic_t* stop);

}  // namespace evo
