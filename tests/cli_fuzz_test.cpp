// The command line, fuzzed: random argument vectors of the documented flags
// with valid, boundary and garbage values (empty, escapes, newlines, huge
// numbers, missing values, stray words, repeated flags). Whatever a user
// types, a stage binary ends 0 or 1 (it ran), 64 (a usage error) or 74 (a
// file or stdout it could not write); a 64 or 74 says why in exactly one
// clean line on stderr; nothing aborts, hangs, or prints a sanitizer report.
//
// A few hundred vectors in CI; more on demand:
//   EVO_FUZZ_RUNS=5000 EVO_FUZZ_SEED=9 build/default/bin/cli_fuzz_test
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "run_binary.hpp"

namespace evo {
namespace {

using testing::shell_quote;

std::uint64_t from_environment(const char* name, std::uint64_t otherwise) {
  const char* text = std::getenv(name);
  return text ? std::strtoull(text, nullptr, 10) : otherwise;
}

const std::vector<std::string> durations = {
    "0s",       "1ms",  "200ms", "2.5s", "100s",
    "1000000s", "-1s",  "1",     "ms",   "",
    "1h",       "1e9s", "nan",   "inf",  "9999999999999999999s"};
const std::vector<std::string> garbage = {
    "", "x", "\x1b[31mred", "two\nlines", "\t", std::string(300, 'a'), "-", "--", "\xff\xfe"};

struct Flag {
  std::string name;
  std::vector<std::string> values;  // empty: a flag that takes no value
};

std::vector<Flag> flags(const std::string& scratch) {
  return {
      {"--scenario",
       {"two-tasks", "chain", "fan-out", "failure", "timeout", "blocking", "cancel", "chian"}},
      {"--id", {"1", "42", "0", "-1", "9223372036854775807", "99999999999999999999", "1.5"}},
      {"--users", {"0", "1", "3", "1000", "-1", "10000001", "1e3", "abc"}},
      {"--latency-user", durations},
      {"--latency-profile", durations},
      {"--delay-a", durations},
      {"--delay-b", durations},
      {"--block", durations},
      {"--timeout", durations},
      {"--cancel-after", durations},
      {"--fail", {"user:1", "profile:2", "user:", ":3", "x:y", "user:-1", "user:42"}},
      {"--clock", {"virtual", "vitual", "REAL"}},
      {"--trace", {}},
      {"--gantt", {}},
      {"--stats", {}},
      {"--trace-json", {scratch + "/t.json", "/dev/full", "/no/such/folder/t.json", scratch}},
      {"--trace-html", {scratch + "/t.html", "/dev/full", "/no/such/folder/t.html"}},
      {"--shuffle", {"1", "0", "-1", "18446744073709551615", "18446744073709551616", "x"}},
      {"--engine", {"hand", "asio", "boost"}},
      {"--backend", {"sim", "http://127.0.0.1:1", "http://", "ftp://x"}},
  };
}

std::vector<std::string> draw(std::mt19937_64& random, const std::vector<Flag>& known) {
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
  };
  auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(random) < p; };
  std::vector<std::string> words;
  bool clock_given = false;
  for (std::size_t i = 0, n = 1 + pick(5); i < n; ++i) {
    if (chance(0.06)) {  // a stray word or an unknown flag
      static const std::vector<std::string> strays = {"extra", "--unknown", "-x", "--users=5", ""};
      words.push_back(strays[pick(strays.size())]);
      continue;
    }
    const Flag& flag = known[pick(known.size())];
    clock_given = clock_given || flag.name == "--clock";
    words.push_back(flag.name);
    if (flag.values.empty() || chance(0.05)) continue;  // sometimes the value is missing
    words.push_back(chance(0.12) ? garbage[pick(garbage.size())]
                                 : flag.values[pick(flag.values.size())]);
  }
  // The real clock would make the walk-through take its seconds: runs stay
  // on the virtual clock unless the vector names a clock itself.
  if (!clock_given) words.insert(words.end(), {"--clock", "virtual"});
  return words;
}

// The vector as a reader can see it: control bytes written as \xNN.
std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    static const char* hex = "0123456789abcdef";
    if (c < 0x20 || c >= 0x7f) {
      out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

TEST(CliFuzz, EveryCommandLineEndsWithAKnownCodeAndAtMostOneCleanLine) {
  namespace fs = std::filesystem;
  fs::path scratch = fs::temp_directory_path() / ("evo-cli-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const std::vector<Flag> known = flags(scratch.string());
  std::uint64_t seed = from_environment("EVO_FUZZ_SEED", 2026);
  std::uint64_t count = from_environment("EVO_FUZZ_RUNS", 300);
  std::mt19937_64 random(seed);
  const std::vector<std::string> stages = {"stage1_callbacks", "stage2_futures",
                                           "stage3_coroutines", "stage3_lowered"};
  int failed = 0;
  for (std::uint64_t i = 0; i < count && failed < 5; ++i) {
    std::vector<std::string> words = draw(random, known);
    const std::string& stage = stages[i % stages.size()];
    std::string args;
    for (const auto& w : words) args += shell_quote(w) + " ";
    SCOPED_TRACE("run " + std::to_string(i) + " of seed " + std::to_string(seed) + ": " + stage +
                 " " + printable(args));
    // timeout: a hang is a failure of its own (exit 124), not a stuck suite.
    testing::Result r =
        testing::run_shell("timeout 30 " + std::string(EVO_BIN_DIR) + "/" + stage + " " + args);
    auto err_lines = testing::lines_of(r.err);
    bool known_code =
        r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 64 || r.exit_code == 74;
    bool clean = r.err.find("Sanitizer") == std::string::npos &&
                 r.err.find("terminate called") == std::string::npos &&
                 r.err.find('\x1b') == std::string::npos;
    bool one_line = (r.exit_code != 64 && r.exit_code != 74) ||
                    (err_lines.size() == 1 && err_lines[0].size() <= 200);
    bool quiet_refusal = r.exit_code != 64 || r.out.empty();
    EXPECT_TRUE(known_code) << "exit " << r.exit_code << "\nstderr: " << printable(r.err);
    EXPECT_TRUE(clean) << printable(r.err);
    EXPECT_TRUE(one_line) << "exit " << r.exit_code << " with " << err_lines.size()
                          << " lines on stderr:\n"
                          << printable(r.err);
    EXPECT_TRUE(quiet_refusal) << "a usage error printed on stdout:\n" << printable(r.out);
    failed += !(known_code && clean && one_line && quiet_refusal);
  }
  fs::remove_all(scratch);
}

}  // namespace
}  // namespace evo
