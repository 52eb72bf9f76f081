#pragma once
// The command line every stage binary shares (CLI11). Bad input never throws
// out of here: it becomes one line on stderr and a non-zero exit code.

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "reactor.hpp"
#include "scenario.hpp"

namespace evo {

/// hand: our reactor (common/reactor); asio: Boost.Asio's io_context (common/asio_loop).
enum class Engine { hand, asio };

struct Options {
  Scenario scenario;
  Engine engine = Engine::hand;
  ClockMode clock = ClockMode::real;
  bool trace = false;
  bool gantt = false;
  std::string trace_json;                ///< file to write Chrome Trace Event JSON to ("" = none)
  std::string trace_html;                ///< file to write the step-through page to ("" = none)
  std::optional<std::uint64_t> shuffle;  ///< seed: run each ready phase in a random order
  bool stats = false;
};

/// Either options to run with, or the exit code to leave with (0 after --help).
struct ParsedOptions {
  std::optional<Options> options;
  int exit_code = 0;
};

/// Exit code for bad usage, as in BSD's sysexits EX_USAGE.
inline constexpr int exit_usage = 64;

/// --gantt, --trace-json and --trace-html keep every event until the run
/// ends: a fan-out (or cancel) over more users than this is refused.
inline constexpr std::int64_t max_picture_users = 100'000;

ParsedOptions parse_options(std::string_view program, int argc, const char* const* argv,
                            std::FILE* out = stdout, std::FILE* err = stderr);

/// "200ms", "1.5s", "250us", "0s" -> the duration; anything else (negative,
/// no unit, garbage) -> nullopt.
std::optional<Duration> parse_duration(std::string_view text);

/// `text` made safe to echo in a one-line message: a control character or a
/// byte outside ASCII becomes an escape (\n, \t, \x1b, \xc3), so a value can
/// neither break the line nor send the terminal an escape sequence; longer
/// than `max` characters, it is cut and ends in "...".
std::string escaped(std::string_view text, std::size_t max = 40);

/// "user:ID" or "profile:ID" (the --fail flag; user_service reads it too) ->
/// that lookup fails in `config`; anything else -> false, `why` says why.
bool add_failure(const std::string& spec, ServiceConfig& config, std::string& why);

}  // namespace evo
