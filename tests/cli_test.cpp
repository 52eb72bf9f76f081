// Specifies common/cli: durations, the shared flags and their defaults, and
// the promise that bad input becomes exactly one line on stderr and exit 64.
#include "common/cli.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using evo::ClockMode;
using evo::Duration;
using evo::Options;
using evo::ParsedOptions;
using evo::ScenarioKind;

constexpr const char* program = "stage1_callbacks";

// A FILE* that writes into memory, for checking what parse_options prints.
class CapturedFile {
 public:
  CapturedFile() : file_(open_memstream(&buffer_, &size_)) {}
  ~CapturedFile() {
    if (file_) std::fclose(file_);
    std::free(buffer_);
  }
  CapturedFile(const CapturedFile&) = delete;
  CapturedFile& operator=(const CapturedFile&) = delete;

  std::FILE* get() const { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

struct CliResult {
  ParsedOptions parsed;
  std::string out;
  std::string err;
};

// Runs parse_options on `program args...`, as main() would.
CliResult parse(std::vector<const char*> args) {
  std::vector<const char*> argv{program};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(nullptr);
  CapturedFile out, err;
  ParsedOptions parsed = evo::parse_options(program, static_cast<int>(argv.size() - 1), argv.data(),
                                            out.get(), err.get());
  return {std::move(parsed), out.text(), err.text()};
}

// Parses args that must be valid, and returns the options.
Options options_from(std::vector<const char*> args) {
  CliResult r = parse(std::move(args));
  EXPECT_TRUE(r.parsed.options.has_value()) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "");
  return r.parsed.options.value_or(Options{});
}

// ---- parse_duration -----------------------------------------------------------

TEST(ParseDuration, ReadsNumbersWithAUnit) {
  EXPECT_EQ(evo::parse_duration("200ms"), Duration(200ms));
  EXPECT_EQ(evo::parse_duration("1.5s"), Duration(1500ms));
  EXPECT_EQ(evo::parse_duration("250us"), Duration(250us));
  EXPECT_EQ(evo::parse_duration("0s"), Duration(0s));
  EXPECT_EQ(evo::parse_duration("2s"), Duration(2s));
  EXPECT_EQ(evo::parse_duration("0.5ms"), Duration(500us));
}

TEST(ParseDuration, RejectsAnythingElse) {
  for (const char* text : {"-5ms", "5", "ms", "1.2.3s", "", "abc", "1e3s", "5 ms", "5m", "5sec",
                           "5MS", ".", "s5", "1e400s", "99999999999s"}) {
    EXPECT_EQ(evo::parse_duration(text), std::nullopt) << "'" << text << "'";
  }
}

// ---- parse_options: good input ------------------------------------------------

TEST(ParseOptions, DefaultsToTheWalkThroughOnTheRealClock) {
  Options o = options_from({});
  EXPECT_EQ(o.scenario.kind, ScenarioKind::two_tasks);
  EXPECT_EQ(o.clock, ClockMode::real);
  EXPECT_FALSE(o.trace);
  EXPECT_FALSE(o.gantt);
  EXPECT_EQ(o.trace_json, "");
  EXPECT_EQ(o.shuffle, std::nullopt);
  EXPECT_FALSE(o.stats);
  EXPECT_EQ(o.scenario.id, 42);
  EXPECT_EQ(o.scenario.users, 5);
  EXPECT_EQ(o.scenario.delay_a, 2s);
  EXPECT_EQ(o.scenario.delay_b, 1s);
  EXPECT_EQ(o.scenario.block, 2500ms);
  EXPECT_EQ(o.scenario.timeout, 400ms);
  EXPECT_EQ(o.scenario.services.user_latency, 200ms);
  EXPECT_EQ(o.scenario.services.profile_latency, 300ms);
  EXPECT_TRUE(o.scenario.services.failing_users.empty());
  EXPECT_TRUE(o.scenario.services.failing_profiles.empty());
}

TEST(ParseOptions, EngineAsioSelectsBoostAsioAndHandIsTheDefault) {
  EXPECT_EQ(options_from({}).engine, evo::Engine::hand);
  EXPECT_EQ(options_from({"--engine", "hand"}).engine, evo::Engine::hand);
  EXPECT_EQ(options_from({"--engine", "asio"}).engine, evo::Engine::asio);
  EXPECT_EQ(options_from({"--engine", "asio", "--clock", "virtual"}).clock,
            ClockMode::virtual_time);
}

TEST(ParseOptions, BackendHttpSetsTheServersEndpointAndSimIsTheDefault) {
  EXPECT_FALSE(options_from({}).scenario.services.backend.has_value());
  Options o = options_from(
      {"--scenario", "chain", "--backend", "http://127.0.0.1:8080", "--engine", "asio"});
  ASSERT_TRUE(o.scenario.services.backend.has_value());
  EXPECT_EQ(o.scenario.services.backend->host, "127.0.0.1");
  EXPECT_EQ(o.scenario.services.backend->port, 8080);
  EXPECT_EQ(o.engine, evo::Engine::asio);
}

TEST(ParseOptions, TimeoutAlsoBoundsEachHttpRequestWhichDefaultsToFiveSeconds) {
  EXPECT_EQ(options_from({"--scenario", "chain", "--backend", "http://127.0.0.1:1"})
                .scenario.services.request_deadline,
            5s);
  Options o = options_from(
      {"--scenario", "chain", "--backend", "http://127.0.0.1:1", "--timeout", "250ms"});
  EXPECT_EQ(o.scenario.services.request_deadline, 250ms);
}

TEST(ParseOptions, EveryFlagSetsItsField) {
  // One flag per line.
  // clang-format off
  Options o = options_from({
      "--scenario", "chain",
      "--id", "7",
      "--users", "12",
      "--latency-user", "50ms",
      "--latency-profile", "1.5s",
      "--delay-a", "3s",
      "--delay-b", "250ms",
      "--block", "100ms",
      "--timeout", "1s",
      "--clock", "virtual",
      "--trace",
      "--gantt",
      "--trace-json", "run.json",
      "--shuffle", "7",
      "--stats",
      "--fail", "user:3",
      "--fail", "profile:4",
      "--engine", "hand",
      "--backend", "sim",
  });
  // clang-format on
  EXPECT_EQ(o.scenario.kind, ScenarioKind::chain);
  EXPECT_EQ(o.scenario.id, 7);
  EXPECT_EQ(o.scenario.users, 12);
  EXPECT_EQ(o.scenario.services.user_latency, 50ms);
  EXPECT_EQ(o.scenario.services.profile_latency, 1500ms);
  EXPECT_EQ(o.scenario.delay_a, 3s);
  EXPECT_EQ(o.scenario.delay_b, 250ms);
  EXPECT_EQ(o.scenario.block, 100ms);
  EXPECT_EQ(o.scenario.timeout, 1s);
  EXPECT_EQ(o.clock, ClockMode::virtual_time);
  EXPECT_TRUE(o.trace);
  EXPECT_TRUE(o.gantt);
  EXPECT_EQ(o.trace_json, "run.json");
  EXPECT_EQ(o.shuffle, 7u);
  EXPECT_TRUE(o.stats);
  EXPECT_EQ(o.scenario.services.failing_users, (std::set<evo::UserId>{3}));
  EXPECT_EQ(o.scenario.services.failing_profiles, (std::set<evo::UserId>{4}));
}

TEST(ParseOptions, AcceptsValuesGluedWithAnEqualsSign) {
  Options o =
      options_from({"--scenario=fan-out", "--users=3", "--latency-user=10ms", "--clock=virtual"});
  EXPECT_EQ(o.scenario.kind, ScenarioKind::fan_out);
  EXPECT_EQ(o.scenario.users, 3);
  EXPECT_EQ(o.scenario.services.user_latency, 10ms);
  EXPECT_EQ(o.clock, ClockMode::virtual_time);
}

TEST(ParseOptions, KnowsEveryScenarioByName) {
  const std::pair<const char*, ScenarioKind> scenarios[] = {
      {"two-tasks", ScenarioKind::two_tasks}, {"chain", ScenarioKind::chain},
      {"fan-out", ScenarioKind::fan_out},     {"failure", ScenarioKind::failure},
      {"timeout", ScenarioKind::timeout},     {"blocking", ScenarioKind::blocking}};
  for (const auto& [name, kind] : scenarios) {
    EXPECT_EQ(options_from({"--scenario", name}).scenario.kind, kind) << name;
  }
}

TEST(ParseOptions, FailureScenarioWithoutFailFailsTheProfileOfItsId) {
  Options o = options_from({"--scenario", "failure", "--id", "9"});
  EXPECT_EQ(o.scenario.services.failing_profiles, (std::set<evo::UserId>{9}));
  EXPECT_TRUE(o.scenario.services.failing_users.empty());

  Options with_default_id = options_from({"--scenario", "failure"});
  EXPECT_EQ(with_default_id.scenario.services.failing_profiles, (std::set<evo::UserId>{42}));
}

TEST(ParseOptions, FailureScenarioWithFailFailsOnlyWhatWasAsked) {
  Options o = options_from({"--scenario", "failure", "--fail", "user:42"});
  EXPECT_EQ(o.scenario.services.failing_users, (std::set<evo::UserId>{42}));
  EXPECT_TRUE(o.scenario.services.failing_profiles.empty());
}

TEST(ParseOptions, OtherScenariosFailNothingByDefault) {
  Options o = options_from({"--scenario", "chain"});
  EXPECT_TRUE(o.scenario.services.failing_users.empty());
  EXPECT_TRUE(o.scenario.services.failing_profiles.empty());
}

TEST(ParseOptions, TheCancelScenarioFailsItsMiddleUserByDefault) {
  Options o = options_from({"--scenario", "cancel", "--users", "7"});
  EXPECT_EQ(o.scenario.kind, ScenarioKind::cancel);
  EXPECT_EQ(o.scenario.services.failing_users, (std::set<evo::UserId>{4}));
}

TEST(ParseOptions, CancelAfterReadsADuration) {
  EXPECT_FALSE(options_from({"--scenario", "chain"}).scenario.cancel_after.has_value());
  Options o = options_from({"--scenario", "chain", "--cancel-after", "250ms"});
  EXPECT_EQ(o.scenario.cancel_after, std::chrono::milliseconds(250));
}

TEST(ParseOptions, CancelAfterRefusesWhatCannotBeCancelled) {
  for (std::vector<const char*> args :
       {std::vector<const char*>{"--cancel-after", "1s"},
        std::vector<const char*>{"--scenario", "blocking", "--cancel-after", "1s"},
        std::vector<const char*>{"--scenario", "chain", "--engine", "asio", "--cancel-after", "1s"},
        std::vector<const char*>{"--scenario", "chain", "--cancel-after", "-1s"}}) {
    CliResult r = parse(args);
    EXPECT_FALSE(r.parsed.options.has_value());
    EXPECT_EQ(r.parsed.exit_code, evo::exit_usage);
    EXPECT_NE(r.err.find("--cancel-after"), std::string::npos) << r.err;
  }
}

TEST(ParseOptions, HelpExitsZeroAndPrintsTheFlagsToOut) {
  for (const char* flag : {"--help", "-h"}) {
    CliResult r = parse({flag});
    EXPECT_FALSE(r.parsed.options.has_value()) << flag;
    EXPECT_EQ(r.parsed.exit_code, 0) << flag;
    EXPECT_EQ(r.err, "") << flag;
    for (const char* documented :
         {"--scenario", "--latency-user", "--clock", "--trace", "--fail"}) {
      EXPECT_NE(r.out.find(documented), std::string::npos)
          << flag << " does not list " << documented;
    }
  }
}

TEST(ParseOptions, PicturesTakeUpToAHundredThousandUsersAndOtherScenariosIgnoreUsers) {
  EXPECT_EQ(options_from({"--scenario", "fan-out", "--users", "100000", "--gantt"}).scenario.users,
            100'000);
  EXPECT_EQ(options_from({"--users", "10000000", "--trace-json", "t.json"}).scenario.users,
            10'000'000);
}

TEST(ParseOptions, HelpAnywhereWinsOverMistakes) {
  CliResult r = parse({"stray", "--users", "--help"});
  EXPECT_EQ(r.parsed.exit_code, 0);
  EXPECT_NE(r.out.find("--scenario"), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST(Escaped, ShowsControlCharactersAndBytesOutsideAsciiAsEscapes) {
  EXPECT_EQ(evo::escaped("plain text"), "plain text");
  EXPECT_EQ(evo::escaped("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(evo::escaped("\x1b[2J\x7f"), "\\x1b[2J\\x7f");
  EXPECT_EQ(evo::escaped("caf\xc3\xa9"), "caf\\xc3\\xa9");
  EXPECT_EQ(evo::escaped(std::string_view("a\0b", 3)), "a\\x00b");
}

TEST(Escaped, CutsLongTextWithoutSplittingAnEscape) {
  EXPECT_EQ(evo::escaped(std::string(40, 'x')), std::string(40, 'x'));
  EXPECT_EQ(evo::escaped(std::string(41, 'x')), std::string(40, 'x') + "...");
  EXPECT_EQ(evo::escaped(std::string(38, 'x') + "\n"), std::string(38, 'x') + "\\n");
  EXPECT_EQ(evo::escaped(std::string(39, 'x') + "\n"), std::string(39, 'x') + "...");
  EXPECT_EQ(evo::escaped("abcdef", 3), "abc...");
}

// ---- parse_options: bad input -------------------------------------------------

struct BadInput {
  const char* name;
  std::vector<const char*> args;
  const char* mentions;  // the message names the culprit
};

// ctest shows this in the test's name (gtest_discover_tests' pretty values).
void PrintTo(const BadInput& input, std::ostream* os) {
  *os << input.name;
}

class ParseOptionsBadInput : public testing::TestWithParam<BadInput> {};

TEST_P(ParseOptionsBadInput, ExitsWithUsageAndOneErrorLine) {
  CliResult r = parse(GetParam().args);
  EXPECT_FALSE(r.parsed.options.has_value());
  EXPECT_EQ(r.parsed.exit_code, evo::exit_usage);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.err.ends_with("\n")) << r.err;
  EXPECT_TRUE(r.err.starts_with(std::string(program) + ": ")) << r.err;
  EXPECT_NE(r.err.find(GetParam().mentions), std::string::npos)
      << "expected the line to mention '" << GetParam().mentions << "': " << r.err;
}

const BadInput bad_inputs[] = {
    {"UnknownScenario", {"--scenario", "nope"}, "nope"},
    {"NegativeDuration", {"--latency-user", "-5ms"}, "--latency-user: '-5ms'"},
    {"NegativeDurationGlued", {"--latency-user=-5ms"}, "--latency-user: '-5ms'"},
    {"NegativeFractionDuration", {"--timeout", "-.5s"}, "--timeout: '-.5s'"},
    {"DurationWithoutUnit", {"--latency-profile", "5"}, "--latency-profile"},
    {"MalformedDuration", {"--delay-a", "1.2.3s"}, "--delay-a"},
    {"ExponentDuration", {"--block", "1e3s"}, "--block"},
    {"MalformedId", {"--id", "abc"}, "--id"},
    {"ZeroId", {"--id", "0"}, "--id"},
    {"NegativeId", {"--id", "-3"}, "--id: '-3'"},
    {"ZeroUsers", {"--users", "0"}, "--users"},
    {"MissingValue", {"--id"}, "--id"},
    {"UnknownFlag", {"--bogus"}, "--bogus"},
    {"FlagFollowedByANegativeNumber", {"--trace", "-5ms"}, "-5ms"},
    {"NegativeShuffleSeed", {"--shuffle", "-1"}, "--shuffle"},
    {"MalformedShuffleSeed", {"--shuffle", "abc"}, "--shuffle"},
    {"TraceJsonWithoutFile", {"--trace-json"}, "--trace-json"},
    {"StrayArgument", {"stray"}, "stray"},
    {"UnknownClock", {"--clock", "wall"}, "wall"},
    {"ShuffleOnTheAsioEngine", {"--engine", "asio", "--shuffle", "3"}, "--shuffle"},
    {"UnknownEngine", {"--engine", "turbo"}, "turbo"},
    {"HttpBackendWithoutPort", {"--backend", "http://localhost"}, "http://localhost"},
    {"HttpsBackend", {"--backend", "https://localhost:443"}, "https://localhost:443"},
    {"HttpBackendOnTheVirtualClock",
     {"--backend", "http://127.0.0.1:8080", "--clock", "virtual"},
     "--clock virtual"},
    {"HttpBackendWithFail", {"--backend", "http://127.0.0.1:8080", "--fail", "user:7"}, "--fail"},
    {"HttpBackendWithLatency",
     {"--backend", "http://127.0.0.1:8080", "--latency-user", "1s"},
     "--latency-user"},
    {"UnknownBackend", {"--backend", "carrier-pigeon"}, "carrier-pigeon"},
    {"FailureScenarioOverHttp",
     {"--backend", "http://127.0.0.1:8080", "--scenario", "failure"},
     "user_service --fail user:ID and run --scenario chain --id ID"},
    {"CancelScenarioOverHttp",
     {"--backend", "http://127.0.0.1:8080", "--scenario", "cancel"},
     "run --scenario fan-out"},
    {"DefaultScenarioOverHttp",
     {"--backend", "http://127.0.0.1:8080"},
     "the two-tasks scenario (the default) makes no request"},
    {"BlockingScenarioOverHttp",
     {"--backend", "http://127.0.0.1:8080", "--scenario", "blocking"},
     "the blocking scenario makes no request"},
    {"BogusFail", {"--fail", "bogus"}, "bogus"},
    {"FailWithoutId", {"--fail", "user:"}, "--fail"},
    {"FailOfUnknownService", {"--fail", "order:3"}, "order:3"},
    {"MissingValueBeforeAFlag", {"--users", "--clock", "virtual"}, "--users needs a value"},
    {"EmptyValue", {"--id", ""}, "--id needs a value (--id ID), not an empty string"},
    {"EmptyGluedValue", {"--id="}, "--id needs a value (--id ID), not an empty string"},
    {"EmptyArgument", {"--trace", ""}, "argument 2 is an empty string"},
    {"FlagGivenTwice", {"--id", "1", "--id=2"}, "--id given twice"},
    {"StrayWordsInOrder", {"b", "--trace", "a"}, "unexpected words 'b', 'a'"},
    {"UnknownShortFlag", {"-x"}, "-x: no such flag"},
    {"PictureOfTooManyUsers",
     {"--scenario", "fan-out", "--users", "100001", "--gantt"},
     "--gantt draws at most 100000 users"},
};

INSTANTIATE_TEST_SUITE_P(ParseOptions, ParseOptionsBadInput, testing::ValuesIn(bad_inputs));

}  // namespace
