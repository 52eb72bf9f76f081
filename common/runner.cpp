#include "runner.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>

#include "asio_runner.hpp"
#include "cli.hpp"
#include "gantt.hpp"
#include "timeline.hpp"
#include "trace_html.hpp"
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

EngineRun run_on_reactor(const StageApi& stage, const Options& options, TraceObserver& observers,
                         Outcome& outcome) {
  Reactor reactor(options.clock);
  reactor.set_observer(&observers);
  if (options.shuffle) reactor.shuffle_ready_order(*options.shuffle);
  Services services(reactor, options.scenario.services);
  start_scenario(stage, services, options.scenario, outcome);
  reactor.run();
  return {reactor.now(), reactor.stats(), stage.live_objects(), services.error_detail(),
          services.peak_connections()};
}

int run(const std::string& name, const StageApi& stage, const Options& options) {
  if (options.engine == Engine::asio && stage.asio == nullptr) {
    std::fprintf(stderr, "%s: error: --engine asio: this stage has no Asio workflow\n",
                 name.c_str());
    return exit_usage;
  }

  // Open the JSON file before the run, so that a bad path fails fast.
  std::ofstream json_file;
  if (!options.trace_json.empty()) {
    json_file.open(options.trace_json);
    if (!json_file) {
      std::fprintf(stderr, "%s: error: --trace-json: cannot write '%s'\n", name.c_str(),
                   options.trace_json.c_str());
      return exit_usage;
    }
  }

  std::ofstream html_file;
  if (!options.trace_html.empty()) {
    html_file.open(options.trace_html);
    if (!html_file) {
      std::fprintf(stderr, "%s: error: --trace-html: cannot write '%s'\n", name.c_str(),
                   options.trace_html.c_str());
      return exit_usage;
    }
  }

  // The observers are made before the reactor, so they outlive it.
  LogPrinter printer(stdout);
  Timeline timeline(stdout);
  Recorder recorder;  // only for the pictures drawn after the run
  Fanout observers;
  if (options.gantt || json_file.is_open() || html_file.is_open()) observers.add(&recorder);
  if (options.trace) {
    // The only line that names the stage: the rest of a trace is the same in all three.
    std::printf("== %s | scenario %s | %s clock ==\n", name.c_str(),
                std::string(to_string(options.scenario.kind)).c_str(),
                options.clock == ClockMode::real ? "real" : "virtual");
    observers.add(&timeline);
  } else {
    observers.add(&printer);
  }

  Outcome outcome;  // before the loop too: a handler destroyed with it may still report
  EngineRun ran = options.engine == Engine::asio
                      ? run_on_asio(*stage.asio, options, observers, outcome)
                      : run_on_reactor(stage, options, observers, outcome);

  // Over HTTP the latencies are the server's, so there is no sequential time to compare with.
  bool http = options.scenario.services.backend.has_value();
  Duration sequential = http ? Duration::zero() : sequential_time(options.scenario);
  if (http) {
    std::printf("Total time: %s (wall time, over HTTP)\n", format_seconds(ran.total).c_str());
  } else {
    std::printf("Total time: %s (sequential would be %s)\n", format_seconds(ran.total).c_str(),
                format_seconds(sequential).c_str());
  }
  if (options.stats) print_stats(ran.stats);
  if (options.stats && http) {
    std::printf("HTTP: peak %zu connections open at once (at most %zu; more requests queue)\n",
                ran.peak_connections, options.scenario.services.max_connections);
  }
  if (options.gantt) {
    bool color = ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    std::fputs(render_gantt(recorder, {.sequential = sequential, .color = color}).c_str(), stdout);
  }
  std::fflush(stdout);
  if (json_file.is_open() && !(json_file << render_trace_json(recorder) << "\n").flush()) {
    std::fprintf(stderr, "%s: error: cannot write %s\n", name.c_str(), options.trace_json.c_str());
    return exit_internal;
  }
  if (html_file.is_open()) {
    std::string title = name + " | scenario " + std::string(to_string(options.scenario.kind)) +
                        " | " + (options.clock == ClockMode::real ? "real" : "virtual") + " clock";
    if (!(html_file << render_trace_html(recorder, title)).flush()) {
      std::fprintf(stderr, "%s: error: cannot write %s\n", name.c_str(),
                   options.trace_html.c_str());
      return exit_internal;
    }
  }

  // The quality bar made executable: the caller heard back exactly once, and
  // nothing (handler, future state, coroutine frame) outlived the run.
  if (outcome.handler_calls != 1) {
    std::fprintf(stderr, "%s: bug: the final handler ran %d times, not once\n", name.c_str(),
                 outcome.handler_calls);
    return exit_internal;
  }
  if (live_handlers() != 0 || ran.live_objects != 0) {
    std::fprintf(stderr, "%s: bug: %zu handlers and %zu stage objects still alive after the run\n",
                 name.c_str(), live_handlers(), ran.live_objects);
    return exit_internal;
  }
  if (outcome.error) {
    std::string details = stage.error_details();
    if (!details.empty()) std::fprintf(stderr, "%s\n", details.c_str());
    // Over HTTP the error code says what failed; this line says where and why.
    if (!ran.backend_error.empty())
      std::fprintf(stderr, "%s: %s\n", name.c_str(), ran.backend_error.c_str());
    return exit_workflow_error;
  }
  return 0;
}

}  // namespace

int stage_main(const StageApi& stage, int argc, const char* const* argv) {
  ParsedOptions parsed = parse_options(stage.name, argc, argv);
  if (!parsed.options) return parsed.exit_code;
  std::string name(stage.name);
  try {
    return run(name, stage, *parsed.options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", name.c_str(), e.what());
    return exit_internal;
  }
}

}  // namespace evo
