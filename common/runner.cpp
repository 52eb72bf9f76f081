#include "runner.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <optional>
#include <string_view>

#include "asio_runner.hpp"
#include "cli.hpp"
#include "cost.hpp"
#include "gantt.hpp"
#include "output_file.hpp"
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

// "stage1_callbacks: error: --trace-json: cannot write 'run.json': No space left on device"
int cannot_write(const std::string& name, const char* flag, const std::string& path,
                 const OutputFile& file) {
  std::fprintf(stderr, "%s: error: %s: cannot write '%s': %s\n", name.c_str(), flag,
               escaped(path, 160).c_str(), file.error().c_str());
  return exit_io;
}

// What a fan-out costs per user, measured as the peak resident memory of
// each binary at 100,000 users on the virtual clock (/usr/bin/time -v, see
// the README's "Limits"), divided by the users and rounded up. Each workflow
// in flight holds its handlers, future states or coroutine frames, and its
// timers; the pictures keep every event until the end and render it whole.
struct Footprint {
  std::string_view stage;
  std::uint64_t hand, asio;  ///< bytes per user on each engine
};
constexpr Footprint footprints[] = {{"stage1_callbacks", 1'100, 1'200},
                                    {"stage2_futures", 1'800, 1'200},
                                    {"stage3_coroutines", 3'200, 2'400},
                                    {"stage3_lowered", 3'400, 3'400}};
constexpr std::uint64_t gantt_bytes = 2'000, trace_json_bytes = 7'900, trace_html_bytes = 9'500;
constexpr std::uint64_t base_bytes = 16'000'000;  // the binary and its libraries

std::uint64_t bytes_per_user(std::string_view stage, const Options& options) {
  std::uint64_t bytes = 3'400;  // a stage not measured: as much as the most costly one
  for (const Footprint& f : footprints) {
    if (f.stage == stage) bytes = options.engine == Engine::asio ? f.asio : f.hand;
  }
  if (options.gantt) bytes += gantt_bytes;
  if (!options.trace_json.empty()) bytes += trace_json_bytes;
  if (!options.trace_html.empty()) bytes += trace_html_bytes;
  return bytes;
}

struct Memory {
  std::uint64_t bytes;
  const char* source;  ///< where the figure comes from, for the message
};

// What this run may use: what the kernel can hand out without swapping
// (MemAvailable), or less under a limit on the address space (ulimit -v).
// Inside a container with a memory limit, the kernel's figure is the
// machine's: the estimate then errs on the generous side.
Memory available_memory() {
  Memory memory{static_cast<std::uint64_t>(::sysconf(_SC_AVPHYS_PAGES)) *
                    static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)),
                "free memory"};
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key, unit; meminfo >> key;) {
    std::uint64_t kib = 0;
    meminfo >> kib >> unit;  // "MemAvailable:   24072444 kB"
    if (key == "MemAvailable:") memory = {kib * 1024, "MemAvailable"};
  }
  if (rlimit limit; ::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
                    limit.rlim_cur < memory.bytes) {
    memory = {limit.rlim_cur, "ulimit -v"};
  }
  return memory;
}

std::string gigabytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
  return text;
}

// "" if the run fits in memory; else the line that says what it needs and what there is.
// Only a fan-out (and cancel, a fan-out that fails) grows with --users.
std::string too_big_for_memory(const std::string& name, const Options& options) {
  const Scenario& s = options.scenario;
  if (s.kind != ScenarioKind::fan_out && s.kind != ScenarioKind::cancel) return "";
  std::uint64_t per_user = bytes_per_user(name, options);
  std::uint64_t needed = base_bytes + per_user * static_cast<std::uint64_t>(s.users);
  Memory memory = available_memory();
  if (needed <= memory.bytes) return "";
  std::uint64_t fit = memory.bytes > base_bytes ? (memory.bytes - base_bytes) / per_user : 0;
  return "--users " + std::to_string(s.users) + ": this run needs about " + gigabytes(needed) +
         " of memory and this machine has " + gigabytes(memory.bytes) + " (" + memory.source +
         "); at most " + std::to_string(fit) + " users fit";
}

int cannot_write_stdout(const std::string& name, const std::string& why) {
  std::fprintf(stderr, "%s: error: cannot write to stdout: %s\n", name.c_str(), why.c_str());
  return exit_io;
}

// SIGINT (Ctrl-C) and SIGTERM: the handler only notes which came (all a
// signal handler may safely do); the loop sees it and returns, and run()
// tidies up: the lines printed so far are flushed, a --trace-json or
// --trace-html file is not left half-written, one line says what happened.
// Then the process ends by that same signal (stage_main), as a shell, make
// or xargs expect of a program stopped by Ctrl-C: `$?` reads 130 or 143.
// The handlers hold only while the loop runs: a Ctrl-C later (while a big
// picture is drawn, say) ends the program at once, as usual.
volatile std::sig_atomic_t stop_signal = 0;

class StopOnSignals {
 public:
  StopOnSignals() {
    struct sigaction action {};
    action.sa_handler = [](int signal) { stop_signal = signal; };
    sigemptyset(&action.sa_mask);
    // SA_RESTART: a write to stdout interrupted by the signal goes on (and is
    // not reported as a failed write). The loop's own waits, epoll_wait and
    // clock_nanosleep, end with EINTR all the same: they are never restarted.
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopOnSignals() {  // the actions from before, back
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// The workflows a run starts: each user of a fan-out, or the one workflow.
std::int64_t workflows_of(const Scenario& s) {
  bool fan_out = s.kind == ScenarioKind::fan_out || s.kind == ScenarioKind::cancel;
  return fan_out ? std::max<std::int64_t>(s.users, 1) : 1;
}

EngineRun run_on_reactor(const StageApi& stage, const Options& options, TraceObserver& observers,
                         Outcome& outcome) {
  Reactor reactor(options.clock);
  reactor.set_observer(&observers);
  reactor.stop_when(&stop_signal);
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

  // Refuse before starting what the kernel would kill half-way, without a word.
  if (std::string why = too_big_for_memory(name, options); !why.empty()) {
    std::fprintf(stderr, "%s: error: %s\n", name.c_str(), why.c_str());
    return exit_usage;
  }

  // Before the files exist: a signal from now on leaves none behind.
  std::optional<StopOnSignals> stop_on_signals(std::in_place);
  // Open the files before the run, so that a bad path fails fast.
  std::optional<OutputFile> json_file, html_file;
  if (!options.trace_json.empty()) {
    json_file.emplace(options.trace_json);
    if (!json_file->error().empty())
      return cannot_write(name, "--trace-json", options.trace_json, *json_file);
  }
  if (!options.trace_html.empty()) {
    html_file.emplace(options.trace_html);
    if (!html_file->error().empty())
      return cannot_write(name, "--trace-html", options.trace_html, *html_file);
  }

  // The observers are made before the reactor, so they outlive it.
  LogPrinter printer(stdout);
  Timeline timeline(stdout);
  Recorder recorder;  // only for the pictures drawn after the run
  Fanout observers;
  if (options.gantt || json_file || html_file) observers.add(&recorder);
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
  cost::Snapshot before = cost::now();
  EngineRun ran = options.engine == Engine::asio
                      ? run_on_asio(*stage.asio, options, observers, outcome, &stop_signal)
                      : run_on_reactor(stage, options, observers, outcome);
  cost::Snapshot after = cost::now();
  stop_on_signals.reset();
  if (int signal = stop_signal; signal != 0) {
    // Stopped half-way: what was pending went with the loop, unrun, so there
    // is no result; the output files are not put in place. The teardown
    // contract still holds: nothing of the stage outlived the loop.
    std::fflush(stdout);
    std::fprintf(stderr, "%s: stopped by %s; the workflow did not finish\n", name.c_str(),
                 signal == SIGINT ? "SIGINT (Ctrl-C)" : "SIGTERM");
    if (live_handlers() != 0 || stage.live_objects() != 0) {
      std::fprintf(stderr, "%s: bug: %zu handlers and %zu stage objects outlived the loop\n",
                   name.c_str(), live_handlers(), stage.live_objects());
      return exit_internal;
    }
    return 128 + signal;
  }

  // Over HTTP the latencies are the server's, so there is no sequential time to compare with.
  bool http = options.scenario.services.backend.has_value();
  Duration sequential = http ? Duration::zero() : sequential_time(options.scenario);
  if (http) {
    std::printf("Total time: %s (wall time, over HTTP)\n", format_seconds(ran.total).c_str());
  } else {
    std::printf("Total time: %s (sequential would be %s)\n", format_seconds(ran.total).c_str(),
                format_seconds(sequential).c_str());
  }
  if (options.stats) {
    print_stats(ran.stats);
    std::printf("%s\n", cost::line(before, after, workflows_of(options.scenario)).c_str());
  }
  if (options.stats && http) {
    std::printf("HTTP: peak %zu connections open at once (at most %zu; more requests queue)\n",
                ran.peak_connections, options.scenario.services.max_connections);
  }
  if (options.gantt) {
    bool color = ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    std::fputs(render_gantt(recorder, {.sequential = sequential, .color = color}).c_str(), stdout);
  }
  // Now, before the files: a write error keeps its reason only until the
  // next write (glibc drops the lines it could not write), and a trace
  // written to /dev/stdout comes after the lines printed.
  if (std::string why = flush_error(stdout); !why.empty()) return cannot_write_stdout(name, why);
  if (json_file && !json_file->commit(render_trace_json(recorder) + "\n")) {
    return cannot_write(name, "--trace-json", options.trace_json, *json_file);
  }
  if (html_file) {
    std::string title = name + " | scenario " + std::string(to_string(options.scenario.kind)) +
                        " | " + (options.clock == ClockMode::real ? "real" : "virtual") + " clock";
    if (!html_file->commit(render_trace_html(recorder, title))) {
      return cannot_write(name, "--trace-html", options.trace_html, *html_file);
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

int parse_and_run(const StageApi& stage, int argc, const char* const* argv) {
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

}  // namespace

int stage_main(const StageApi& stage, int argc, const char* const* argv) {
  std::string name(stage.name);
  // With stdout closed (`>&-`), the first file opened would get its
  // descriptor, and the lines meant for stdout would land in the trace file.
  if (::fcntl(STDOUT_FILENO, F_GETFD) < 0) {
    return cannot_write_stdout(name, std::strerror(errno));
  }
  int exit_code = parse_and_run(stage, argc, argv);
  // Lines lost on the way out (`> /dev/full`) are a failed run too; a bug's 70 still wins.
  if (std::string why = flush_error(stdout); !why.empty()) {
    int io = cannot_write_stdout(name, why);
    if (exit_code != exit_internal) exit_code = io;
  }
  // Stopped by a signal and tidied up: end by that signal, with its default action.
  if (int signal = stop_signal; signal != 0 && exit_code == 128 + signal) {
    std::fflush(stderr);
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
  return exit_code;
}

}  // namespace evo
