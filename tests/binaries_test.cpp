// The stage binaries seen from outside, as a learner runs them: output,
// exit codes, one-line errors, and the claim that the three --trace outputs
// differ only in their header line.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include "run_binary.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

using evo::testing::lines_of;
using evo::testing::Result;
using evo::testing::slurp;

// Runs bin/<binary> <args> with stdout and stderr captured apart.
Result run(const std::string& binary, const std::string& args) {
  return evo::testing::run_binary(EVO_BIN_DIR, binary, args);
}

// stage3_lowered: stage 3 with its coroutines lowered by hand, same flags, same trace.
const std::vector<std::string> stages = {"stage1_callbacks", "stage2_futures", "stage3_coroutines",
                                         "stage3_lowered"};
const std::vector<std::string> scenarios = {"two-tasks", "chain",    "fan-out", "failure",
                                            "timeout",   "blocking", "cancel"};

TEST(Binaries, TheWalkThroughPrintsTheTextbookOrderInTwoSeconds) {
  for (const auto& stage : stages) {
    Result r = run(stage, "--clock virtual");
    EXPECT_EQ(r.exit_code, 0) << stage << r.err;
    auto lines = lines_of(r.out);
    ASSERT_GE(lines.size(), 5u) << stage;
    EXPECT_EQ(lines[0], "Task A: Starting");
    EXPECT_EQ(lines[1], "Task B: Starting");
    EXPECT_TRUE(lines[2].starts_with("Task B: Got result")) << lines[2];
    EXPECT_TRUE(lines[3].starts_with("Task A: Got result")) << lines[3];
    EXPECT_EQ(lines.back(), "Total time: 2.000s (sequential would be 3.000s)");
  }
}

TEST(Binaries, TracesDifferOnlyInTheHeaderLine) {
  for (const auto& scenario : scenarios) {
    std::vector<std::string> first;
    for (const auto& stage : stages) {
      Result r = run(stage, "--clock virtual --trace --scenario " + scenario);
      auto lines = lines_of(r.out);
      ASSERT_FALSE(lines.empty()) << stage << " " << scenario;
      EXPECT_NE(lines[0].find(stage), std::string::npos) << "the header names the stage";
      lines.erase(lines.begin());
      if (first.empty()) {
        first = lines;
      } else {
        EXPECT_EQ(lines, first) << stage << " differs on " << scenario;
      }
    }
  }
}

TEST(Binaries, TheTwoTasksTraceMatchesTheGoldenFile) {
  // To change the format on purpose, regenerate the golden file with
  //   build/default/bin/stage1_callbacks --clock virtual --trace | tail -n +2
  // written to tests/golden/two-tasks.trace, and commit it with the change.
  std::string golden = slurp(fs::path(EVO_SOURCE_DIR) / "tests/golden/two-tasks.trace");
  ASSERT_FALSE(golden.empty());
  for (const auto& stage : stages) {
    Result r = run(stage, "--clock virtual --trace");
    std::string body = r.out.substr(r.out.find('\n') + 1);
    EXPECT_EQ(body, golden) << stage;
  }
}

// The acceptance of cancellation: at the deadline the fetch's timer is
// cancelled (an `x` line) and nothing is left waiting; in the cancel scenario
// the failure cancels its siblings' fetches. Regenerate as above, with
// `--scenario timeout` and `--scenario cancel --users 3 --fail user:2
// --latency-profile 100ms`.
TEST(Binaries, TheCancellationTracesMatchTheGoldenFiles) {
  const std::vector<std::pair<std::string, std::string>> goldens = {
      {"timeout.trace", "--clock virtual --trace --scenario timeout"},
      {"cancel.trace",
       "--clock virtual --trace --scenario cancel --users 3 --fail user:2 --latency-profile "
       "100ms"}};
  for (const auto& [file, args] : goldens) {
    std::string golden = slurp(fs::path(EVO_SOURCE_DIR) / "tests/golden" / file);
    ASSERT_FALSE(golden.empty()) << file;
    EXPECT_NE(golden.find("x user"), std::string::npos) << file << " shows no cancelled timer";
    for (const auto& stage : stages) {
      Result r = run(stage, args);
      EXPECT_EQ(r.exit_code, 1) << stage << " " << args;
      std::string body = r.out.substr(r.out.find('\n') + 1);
      EXPECT_EQ(body, golden) << stage << " " << args;
    }
  }
}

TEST(Binaries, CancelAfterStopsTheWorkflowFromOutside) {
  for (const auto& stage : stages) {
    Result r = run(stage, "--clock virtual --scenario fan-out --cancel-after 300ms");
    EXPECT_EQ(r.exit_code, 1) << stage;
    EXPECT_NE(r.out.find("Caller: cancel\nError: cancelled\nTotal time: 0.300s"), std::string::npos)
        << stage << ":\n"
        << r.out;
  }
}

TEST(Binaries, BadInputGetsOneLineAndExitCode64) {
  const std::vector<std::string> bad = {"--scenario nope",
                                        "--latency-user -5ms",
                                        "--latency-user 5",
                                        "--id abc",
                                        "--users 0",
                                        "--no-such-flag",
                                        "--clock sundial",
                                        "--engine asio --shuffle 1",
                                        "--backend http://localhost",
                                        "--backend http://127.0.0.1:8080 --clock virtual",
                                        "--fail user",
                                        "--timeout",
                                        "--shuffle -1",
                                        "--cancel-after 1s",
                                        "--scenario chain --cancel-after soon",
                                        "--scenario chain --engine asio --cancel-after 1s"};
  for (const auto& args : bad) {
    Result r = run("stage1_callbacks", args);
    EXPECT_EQ(r.exit_code, 64) << args;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << args << ":\n" << r.err;
    EXPECT_TRUE(r.err.starts_with("stage1_callbacks: error: ")) << r.err;
    EXPECT_TRUE(r.out.empty()) << args;
  }
}

TEST(Binaries, FailuresExitWithOneAndStageThreeNamesTheCoroutines) {
  for (const auto& stage : stages) {
    Result r = run(stage, "--clock virtual --scenario failure");
    EXPECT_EQ(r.exit_code, 1) << stage;
    EXPECT_NE(r.out.find("Error: profile not found"), std::string::npos) << stage;
  }
  Result r = run("stage3_coroutines", "--clock virtual --scenario failure");
  EXPECT_NE(r.err.find("fetch_user_and_profile at stage3_coroutines/workflow.cpp:"),
            std::string::npos)
      << r.err;
}

// The coroutines a failure's stderr names ("  #0 when_all at FILE:LINE"), in
// order, without the place and without stage3_lowered's "lowered::": its
// copies of fetch_all and friends live in lowered_adapter.cpp.
std::vector<std::string> coroutine_names(const std::string& err) {
  std::vector<std::string> names;
  for (std::string line : lines_of(err)) {
    if (!line.starts_with("  #")) continue;
    line = line.substr(line.find(' ', 3) + 1);
    line = line.substr(0, line.find(" at "));
    if (line.starts_with("lowered::")) line.erase(0, std::string("lowered::").size());
    names.push_back(line);
  }
  return names;
}

// stage3_lowered prints stage 3's error line, from the coroutines it has. The
// lowered frame names nobody: it has no promise to write the backtrace
// (lowered_adapter.cpp says so), so the coroutine awaiting it is the
// innermost, and with no coroutine around it nothing is printed.
TEST(Binaries, TheLoweredStageNamesTheCoroutinesStageThreeNames) {
  for (const std::string args :
       {"--scenario fan-out --fail profile:3", "--scenario timeout", "--scenario cancel"}) {
    Result three = run("stage3_coroutines", "--clock virtual " + args);
    Result lowered = run("stage3_lowered", "--clock virtual " + args);
    EXPECT_EQ(lowered.exit_code, 1) << args;
    EXPECT_EQ(lowered.out, three.out) << args;
    EXPECT_FALSE(coroutine_names(three.err).empty()) << args << ": " << three.err;
    EXPECT_EQ(coroutine_names(lowered.err), coroutine_names(three.err)) << args << ":\n"
                                                                        << lowered.err;
  }
  Result inner = run("stage3_lowered", "--clock virtual --scenario fan-out --fail profile:5");
  EXPECT_EQ(coroutine_names(inner.err),
            (std::vector<std::string>{"awaitable_fetch_user_and_profile", "when_all", "fetch_all"}))
      << inner.err;
  EXPECT_EQ(run("stage3_lowered", "--clock virtual --scenario failure").err, "");
}

TEST(Binaries, GanttFitsEightyColumnsWithoutColourWhenPiped) {
  for (const auto& scenario : scenarios) {
    Result r = run("stage2_futures", "--clock virtual --gantt --scenario " + scenario);
    for (const auto& line : lines_of(r.out)) {
      EXPECT_LE(line.size(), 80u) << scenario << ": " << line;
      EXPECT_EQ(line.find('\033'), std::string::npos) << "no colour into a pipe";
    }
  }
  Result two = run("stage1_callbacks", "--clock virtual --gantt");
  EXPECT_NE(two.out.find("Task A"), std::string::npos);
  EXPECT_NE(two.out.find("sequential"), std::string::npos);
}

TEST(Binaries, TraceJsonHasATrackPerLabelAndBalancedWaits) {
  fs::path file = fs::temp_directory_path() / ("evo-trace-" + std::to_string(::getpid()) + ".json");
  Result r = run("stage3_coroutines",
                 "--clock virtual --scenario fan-out --users 3 --trace-json " + file.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  boost::json::value root = boost::json::parse(slurp(file));
  fs::remove(file);
  const auto& events = root.at("traceEvents").as_array();
  std::set<std::string> tracks;
  int begins = 0, ends = 0, runs = 0;
  for (const auto& v : events) {
    const auto& e = v.as_object();
    std::string ph(e.at("ph").as_string());
    if (ph == "M" && e.at("name") == "process_name") {
      tracks.insert(std::string(e.at("args").at("name").as_string()));
    }
    if (ph == "b") ++begins;
    if (ph == "e") ++ends;
    if (ph == "X") ++runs;
    if (ph != "M") {
      EXPECT_TRUE(e.at("ts").is_number());
    }
  }
  EXPECT_EQ(tracks, (std::set<std::string>{"fetch_all", "user 1", "user 2", "user 3"}));
  EXPECT_EQ(begins, 6) << "two waits per user: fetch_user, fetch_profile";
  EXPECT_EQ(begins, ends);
  EXPECT_EQ(runs, 1 + 3 * 3) << "fetch_all once, each user three times";
}

TEST(Binaries, FanOutOfManyUsersCompletes) {
  Result r = run("stage3_coroutines", "--clock virtual --scenario fan-out --users 20000");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Result: 20000 profiles"), std::string::npos);
  EXPECT_NE(r.out.find("Total time: 0.500s"), std::string::npos);
}

}  // namespace
