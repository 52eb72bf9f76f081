#include "runner.hpp"

#include <cstdio>
#include <exception>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "cli.hpp"
#include "gantt.hpp"
#include "timeline.hpp"
#include "trace_json.hpp"

namespace evo {
namespace {

constexpr int exit_workflow_error = 1;
constexpr int exit_internal = 70;

void print_stats(const Reactor::Stats& s) {
  std::printf(
      "Stats: %llu iterations, %llu callbacks run, %llu timers armed (%llu cancelled), "
      "%llu fd events, peak ready queue %zu\n",
      static_cast<unsigned long long>(s.iterations),
      static_cast<unsigned long long>(s.callbacks_run),
      static_cast<unsigned long long>(s.timers_armed),
      static_cast<unsigned long long>(s.timers_cancelled),
      static_cast<unsigned long long>(s.fd_events), s.peak_ready);
}

int run(const StageApi& stage, const Options& options) {
  Reactor reactor(options.clock);
  Services services(reactor, options.scenario.services);
  LogPrinter printer(stdout);
  Timeline timeline(stdout);
  Recorder recorder;  // only for the pictures drawn after the run
  Fanout observers;
  bool pictures = options.gantt || !options.trace_json.empty();
  if (pictures) observers.add(&recorder);
  if (options.shuffle) reactor.shuffle_ready_order(*options.shuffle);
  if (options.trace) {
    // The only line that names the stage: the rest of a trace is the same in all three.
    std::printf("== %.*s | scenario %.*s | %s clock ==\n", static_cast<int>(stage.name.size()),
                stage.name.data(), static_cast<int>(to_string(options.scenario.kind).size()),
                to_string(options.scenario.kind).data(),
                options.clock == ClockMode::real ? "real" : "virtual");
    observers.add(&timeline);
  } else {
    observers.add(&printer);
  }
  reactor.set_observer(&observers);

  // Open the JSON file before the run, so a bad path fails fast.
  std::ofstream json_file;
  if (!options.trace_json.empty()) {
    json_file.open(options.trace_json);
    if (!json_file) {
      std::fprintf(stderr, "%s: error: --trace-json: cannot write '%s'\n",
                   std::string(stage.name).c_str(), options.trace_json.c_str());
      return exit_usage;
    }
  }

  Outcome outcome;
  start_scenario(stage, services, options.scenario, outcome);
  reactor.run();

  std::printf("Total time: %s (sequential would be %s)\n", format_seconds(reactor.now()).c_str(),
              format_seconds(sequential_time(options.scenario)).c_str());
  if (options.stats) print_stats(reactor.stats());
  if (options.gantt) {
    GanttOptions gantt{.sequential = sequential_time(options.scenario),
                       .color = ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR")};
    std::fputs(render_gantt(recorder, gantt).c_str(), stdout);
  }
  if (json_file.is_open()) {
    json_file << render_trace_json(recorder) << "\n";
    if (!json_file.flush()) {
      std::fprintf(stderr, "%s: error: cannot write %s\n", std::string(stage.name).c_str(),
                   options.trace_json.c_str());
      return exit_internal;
    }
  }
  std::fflush(stdout);

  // The quality bar made executable: the caller heard back exactly once, and
  // nothing (handler, future state, coroutine frame) outlived the run.
  if (!outcome.finished || outcome.handler_calls != 1) {
    std::fprintf(stderr, "%.*s: bug: the final handler ran %d times, not once\n",
                 static_cast<int>(stage.name.size()), stage.name.data(), outcome.handler_calls);
    return exit_internal;
  }
  std::size_t leaked_handlers = live_handlers(), leaked_objects = stage.live_objects();
  if (leaked_handlers != 0 || leaked_objects != 0) {
    std::fprintf(
        stderr, "%.*s: bug: %zu handlers and %zu stage objects still alive after the run\n",
        static_cast<int>(stage.name.size()), stage.name.data(), leaked_handlers, leaked_objects);
    return exit_internal;
  }
  if (outcome.error) {
    std::string details = stage.error_details();
    if (!details.empty()) std::fprintf(stderr, "%s\n", details.c_str());
    return exit_workflow_error;
  }
  return 0;
}

}  // namespace

int stage_main(const StageApi& stage, int argc, const char* const* argv) {
  ParsedOptions parsed = parse_options(stage.name, argc, argv);
  if (!parsed.options) return parsed.exit_code;
  try {
    return run(stage, *parsed.options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%.*s: error: %s\n", static_cast<int>(stage.name.size()),
                 stage.name.data(), e.what());
    return exit_internal;
  }
}

}  // namespace evo
