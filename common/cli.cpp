#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "http_client.hpp"

namespace evo {
namespace {

// Thrown while reading the values, caught below and printed as one line.
struct BadValue : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A value as the user typed it, made safe to print (see escaped()), in quotes.
std::string echoed(std::string_view value) {
  return "'" + escaped(value) + "'";
}

Duration duration_option(const std::string& flag, const std::string& text) {
  if (auto d = parse_duration(text)) return *d;
  throw BadValue(
      flag + ": " + echoed(text) +
      " is not a duration; write a number with a unit, from 0s to 1000000s: 200ms, 1.5s, 250us");
}

std::int64_t whole_number(const std::string& flag, const std::string& text, std::int64_t min,
                          std::int64_t max) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    throw BadValue(flag + ": " + echoed(text) + " is not a whole number from " +
                   std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

std::int64_t positive_integer(const std::string& flag, const std::string& text,
                              std::int64_t max = 1'000'000'000) {
  return whole_number(flag, text, 1, max);
}

// "'a', 'b', 'c'": the stray words for a message, the first few of them.
std::string stray_list(const std::vector<std::string>& strays) {
  constexpr std::size_t shown = 5;  // the line stays one line
  std::string list;
  for (std::size_t i = 0; i < strays.size() && i < shown; ++i) {
    list += (i == 0 ? "" : ", ") + echoed(strays[i]);
  }
  if (strays.size() > shown) list += " and " + std::to_string(strays.size() - shown) + " more";
  return list;
}

// CLI11 does the parsing; this walk over the words first finds the mistakes
// that CLI11 would blame on the wrong word, and names them in the order typed:
// - a flag missing its value: CLI11 takes the next word whatever it is, so
//   `--users --clock virtual` would read "--clock" as the number of users and
//   then complain about "virtual";
// - an empty argument, which a message that only echoes it cannot show;
// - a flag given twice (CLI11 would keep the last one without a word);
// - stray words (CLI11 lists them last word first).
// Every value is glued to its flag (--users=3) for CLI11: then a value that
// starts with a dash (--latency-user -5ms) stays a value, and our own check
// of it says what is wrong, where CLI11 would take "-5ms" for a flag.
std::vector<std::string> checked_words(const CLI::App& app, int argc, const char* const* argv) {
  // --help anywhere wins, as in most tools: the help is what the user asked for.
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == std::string_view("--help") || argv[i] == std::string_view("-h"))
      return {argv[i]};
  }
  std::vector<std::string> args, strays;
  std::set<const CLI::Option*> seen;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.empty()) {
      throw BadValue("argument " + std::to_string(i) +
                     " is an empty string (\"\"), not a flag; try --help");
    }
    // A lone "-" or "--", or a negative number, is no flag: after a flag
    // that takes no value it is a stray word.
    bool flag_like = word.size() > 1 && word[0] == '-' && word != "--" &&
                     !std::isdigit(static_cast<unsigned char>(word[1])) && word[1] != '.';
    if (!flag_like) {
      strays.push_back(word);
      continue;
    }
    std::size_t equals = word.find('=');
    std::string name = word.substr(0, equals);
    const CLI::Option* option = app.get_option_no_throw(name);
    if (option == nullptr) throw BadValue(escaped(name) + ": no such flag; try --help");
    // --fail, a list, is the one flag that may be given more than once.
    if (option->get_items_expected_max() <= 1 && !seen.insert(option).second) {
      throw BadValue(name + " given twice; give each flag once");
    }
    if (option->get_expected_min() > 0) {
      std::string usage = " (" + name + " " + option->get_type_name() + ")";
      if (equals == std::string::npos) {
        if (i + 1 == argc) throw BadValue(name + " needs a value" + usage);
        std::string next = argv[i + 1];
        if (next.starts_with("--")) {
          throw BadValue(name + " needs a value" + usage + ", not the flag " + escaped(next));
        }
        word = name + "=" + next;
        ++i;
      }
      if (word.size() == name.size() + 1) {
        throw BadValue(name + " needs a value" + usage + ", not an empty string (\"\")");
      }
    }
    args.push_back(std::move(word));
  }
  if (!strays.empty()) {
    throw BadValue(std::string(strays.size() == 1 ? "unexpected word " : "unexpected words ") +
                   stray_list(strays) + "; every flag starts with -- (try --help)");
  }
  return args;
}

}  // namespace

std::string escaped(std::string_view text, std::size_t max) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    std::string piece(1, c);
    if (c == '\n') {
      piece = "\\n";
    } else if (c == '\t') {
      piece = "\\t";
    } else if (c == '\r') {
      piece = "\\r";
    } else if (byte < 0x20 || byte >= 0x7f) {
      piece = {'\\', 'x', hex[byte >> 4], hex[byte & 0xf]};
    }
    if (out.size() + piece.size() > max) return out + "...";
    out += piece;
  }
  return out;
}

std::optional<Duration> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  std::string_view unit = text.substr(digits);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (digits == 0 || ec != std::errc{} || end != text.data() + digits) return std::nullopt;
  double nanoseconds_per_unit;
  if (unit == "s") {
    nanoseconds_per_unit = 1e9;
  } else if (unit == "ms") {
    nanoseconds_per_unit = 1e6;
  } else if (unit == "us") {
    nanoseconds_per_unit = 1e3;
  } else {
    return std::nullopt;
  }
  double ns = value * nanoseconds_per_unit;
  // A million seconds (11.6 days) is more than any lesson needs, and keeps
  // sums and products of durations (a fan-out's sequential time) from overflowing.
  if (!std::isfinite(ns) || ns > 1e15) return std::nullopt;
  return Duration(static_cast<std::int64_t>(std::llround(ns)));
}

bool add_failure(const std::string& spec, ServiceConfig& config, std::string& why) {
  auto colon = spec.find(':');
  std::string what = spec.substr(0, colon);
  if (colon == std::string::npos || (what != "user" && what != "profile")) {
    why = "--fail: " + echoed(spec) + " should be user:ID or profile:ID";
    return false;
  }
  try {
    UserId failing = positive_integer("--fail", spec.substr(colon + 1));
    (what == "user" ? config.failing_users : config.failing_profiles).insert(failing);
    return true;
  } catch (const BadValue& e) {
    why = e.what();
    return false;
  }
}

ParsedOptions parse_options(std::string_view program, int argc, const char* const* argv,
                            std::FILE* out, std::FILE* err) {
  CLI::App app{
      "Runs one scenario on the hand-written reactor (or on Boost.Asio: --engine asio). "
      "The default, two-tasks, is the walk-through (Task A waits 2 s, Task B 1 s); "
      "the fetch-user -> fetch-profile workflow is --scenario chain (and fan-out, "
      "failure, timeout, cancel).",
      std::string(program)};
  Options options;
  std::string scenario = "two-tasks", clock = "real", engine = "hand", backend = "sim";
  std::string id, users, latency_user, latency_profile, delay_a, delay_b, block, timeout;
  std::string cancel_after;
  std::vector<std::string> failures;

  app.add_option("--scenario", scenario,
                 "two-tasks (the walk-through) | chain (the fetch workflow) | fan-out | failure | "
                 "timeout | blocking | cancel")
      ->type_name("NAME")
      ->capture_default_str();
  app.add_option("--id", id, "user id for chain, failure and timeout (default 42)")
      ->type_name("ID");
  app.add_option("--users", users, "fan-out: fetch users 1..N (default 5)")->type_name("N");
  app.add_option("--latency-user", latency_user, "fetch_user latency (default 200ms)")
      ->type_name("DURATION");
  app.add_option("--latency-profile", latency_profile, "fetch_profile latency (default 300ms)")
      ->type_name("DURATION");
  app.add_option("--delay-a", delay_a, "two-tasks: how long Task A waits (default 2s)")
      ->type_name("DURATION");
  app.add_option("--delay-b", delay_b, "two-tasks: how long Task B waits (default 1s)")
      ->type_name("DURATION");
  app.add_option("--block", block, "blocking: how long Task B blocks the loop (default 2.5s)")
      ->type_name("DURATION");
  app.add_option("--fail", failures, "make a lookup fail: user:ID or profile:ID (repeatable)")
      ->type_name("WHAT:ID");
  app.add_option(
         "--timeout", timeout,
         "timeout: the deadline (default 400ms); over HTTP also each request's (default 5s)")
      ->type_name("DURATION");
  app.add_option("--cancel-after", cancel_after,
                 "the caller cancels the workflow after D (not two-tasks, blocking)")
      ->type_name("DURATION");
  app.add_option("--clock", clock, "real | virtual (virtual: time jumps to the next timer)")
      ->type_name("CLOCK")
      ->capture_default_str();
  app.add_flag("--trace", options.trace, "print the loop's timeline step by step");
  app.add_flag("--gantt", options.gantt, "draw a Gantt chart of the tasks after the run");
  app.add_option("--trace-json", options.trace_json,
                 "write Chrome Trace Event JSON to FILE (ui.perfetto.dev, chrome://tracing)")
      ->type_name("FILE");
  app.add_option("--trace-html", options.trace_html,
                 "write a page to step through the loop in a browser to FILE")
      ->type_name("FILE");
  std::string shuffle;
  app.add_option("--shuffle", shuffle, "run each ready phase in a random order seeded by SEED")
      ->type_name("SEED");
  app.add_flag("--stats", options.stats, "print the reactor's counters at the end");
  app.add_option("--engine", engine, "hand | asio (asio: the same workflow on Boost.Asio)")
      ->type_name("ENGINE")
      ->capture_default_str();
  app.add_option("--backend", backend, "sim | http://HOST:PORT")
      ->type_name("BACKEND")
      ->capture_default_str();

  auto fail = [&](const std::string& message) {
    std::fprintf(err, "%.*s: error: %s\n", static_cast<int>(program.size()), program.data(),
                 message.c_str());
    return ParsedOptions{std::nullopt, exit_usage};
  };

  try {
    std::vector<std::string> args = checked_words(app, argc, argv);
    std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
    app.parse(args);

    Scenario& s = options.scenario;
    auto kind = scenario_from_string(scenario);
    if (!kind)
      throw BadValue("--scenario: no scenario " + echoed(scenario) + "; try " + scenario_names());
    s.kind = *kind;
    if (clock == "virtual") {
      options.clock = ClockMode::virtual_time;
    } else if (clock != "real") {
      throw BadValue("--clock: " + echoed(clock) + " is neither real nor virtual");
    }
    if (engine == "asio") {
      options.engine = Engine::asio;
    } else if (engine != "hand") {
      throw BadValue("--engine: " + echoed(engine) + " is neither hand nor asio");
    }
    if (backend != "sim") {
      std::string why;
      auto endpoint = http::parse_url(backend, &why);
      if (!endpoint) {
        // `why` echoes the URL too: escape it as well, and let it be longer than a value.
        throw BadValue("--backend: " + echoed(backend) + " is neither sim nor http://HOST:PORT (" +
                       escaped(why, 120) + ")");
      }
      s.services.backend = *endpoint;
      // Virtual time jumps to the next timer when no fd is ready: every
      // request would time out before the server could answer.
      if (options.clock == ClockMode::virtual_time)
        throw BadValue("--clock virtual: real sockets need real time; drop it with --backend");
      // The server owns latency and failures now; a flag that would be ignored is refused.
      for (const auto& [flag, value] :
           {std::pair{"--latency-user", &latency_user}, {"--latency-profile", &latency_profile}}) {
        if (!value->empty())
          throw BadValue(std::string(flag) + ": the HTTP backend's latency is the server's");
      }
      if (!failures.empty())
        throw BadValue(
            "--fail: the HTTP backend's failures are the server's (user_service --fail)");
      // These two scenarios are "a lookup that fails": over HTTP only the
      // server can make one fail, so run them as chain or fan-out against a
      // user_service started with --fail, rather than succeed in silence.
      if (s.kind == ScenarioKind::failure || s.kind == ScenarioKind::cancel) {
        throw BadValue("--scenario " + scenario +
                       ": over HTTP the server decides what fails; start user_service --fail "
                       "user:ID and run --scenario " +
                       (s.kind == ScenarioKind::failure ? "chain --id ID" : "fan-out"));
      }
      // These two only wait on timers and make no request: a server would
      // change nothing, and a "wall time, over HTTP" line would claim it did.
      if (s.kind == ScenarioKind::two_tasks || s.kind == ScenarioKind::blocking) {
        throw BadValue("--backend: the " + std::string(to_string(s.kind)) + " scenario" +
                       (scenario == "two-tasks" ? " (the default)" : "") +
                       " makes no request; add --scenario chain, fan-out or timeout");
      }
    }

    if (!shuffle.empty()) {
      options.shuffle = static_cast<std::uint64_t>(
          whole_number("--shuffle", shuffle, 0, std::numeric_limits<std::int64_t>::max()));
      if (options.engine == Engine::asio) {
        throw BadValue(
            "--shuffle: Asio runs its ready handlers in its own order; use --engine hand");
      }
    }
    if (!id.empty()) s.id = positive_integer("--id", id);
    if (!users.empty()) s.users = positive_integer("--users", users, 10'000'000);
    // A picture keeps every event of the run to draw it at the end: past
    // max_picture_users its memory and time (about 1 GB and 10 s for
    // --trace-html at the cap) stop being a picture anyone can look at.
    bool many_users = s.kind == ScenarioKind::fan_out || s.kind == ScenarioKind::cancel;
    for (const auto& [flag, wanted] : {std::pair{"--gantt", options.gantt},
                                       {"--trace-json", !options.trace_json.empty()},
                                       {"--trace-html", !options.trace_html.empty()}}) {
      if (many_users && wanted && s.users > max_picture_users) {
        throw BadValue("--users " + users + ": " + flag + " draws at most " +
                       std::to_string(max_picture_users) + " users; use fewer, or drop " + flag +
                       " (--trace prints as the run goes, at any size)");
      }
    }
    if (!latency_user.empty())
      s.services.user_latency = duration_option("--latency-user", latency_user);
    if (!latency_profile.empty()) {
      s.services.profile_latency = duration_option("--latency-profile", latency_profile);
    }
    if (!delay_a.empty()) s.delay_a = duration_option("--delay-a", delay_a);
    if (!delay_b.empty()) s.delay_b = duration_option("--delay-b", delay_b);
    if (!block.empty()) s.block = duration_option("--block", block);
    if (!timeout.empty()) {
      s.timeout = duration_option("--timeout", timeout);
      // Over HTTP, --timeout also bounds each request (default 5 s).
      s.services.request_deadline = s.timeout;
    }
    for (const std::string& f : failures) {
      if (std::string why; !add_failure(f, s.services, why)) throw BadValue(why);
    }
    // Without --fail, the failure scenario fails the profile lookup of its
    // user, and the cancel scenario the user lookup of the fan-out's middle one.
    if (s.kind == ScenarioKind::failure && failures.empty()) {
      s.services.failing_profiles.insert(s.id);
    }
    if (s.kind == ScenarioKind::cancel && failures.empty()) {
      s.services.failing_users.insert((s.users + 1) / 2);
    }
    if (!cancel_after.empty()) {
      if (s.kind == ScenarioKind::two_tasks || s.kind == ScenarioKind::blocking) {
        throw BadValue("--cancel-after: the " + std::string(to_string(s.kind)) +
                       " scenario cannot be cancelled; try chain, fan-out, timeout or cancel");
      }
      if (options.engine == Engine::asio) {
        throw BadValue("--cancel-after: only on our reactor; use --engine hand");
      }
      s.cancel_after = duration_option("--cancel-after", cancel_after);
    }
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), out);
    return {std::nullopt, 0};
  } catch (const CLI::ParseError& e) {
    // What the walk above lets through (--trace=maybe); CLI11 echoes the value raw.
    return fail(escaped(e.what(), 200));
  } catch (const BadValue& e) {
    return fail(e.what());
  }
  return {options, 0};
}

}  // namespace evo
