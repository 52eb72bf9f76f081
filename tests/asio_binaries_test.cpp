// The stage binaries with --engine asio, seen from outside: every scenario of
// every stage prints the same story lines and exits with the same code as on
// the hand reactor, and the trace renderers draw Asio's run.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include "run_binary.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

using evo::testing::Result;
using evo::testing::slurp;

Result run(const std::string& binary, const std::string& args) {
  return evo::testing::run_binary(EVO_BIN_DIR, binary, args);
}

// The story: every line but the total time (Asio may end a timeout sooner).
std::vector<std::string> story(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("Total time:")) lines.push_back(line);
  }
  return lines;
}

const std::vector<std::string> stages = {"stage1_callbacks", "stage2_futures", "stage3_coroutines"};
const std::vector<std::string> scenarios = {"two-tasks", "chain",    "fan-out", "failure",
                                            "timeout",   "blocking", "cancel"};

// One test per stage, so that each stays quick under the sanitizers.
class AsioBinary : public testing::TestWithParam<std::string> {};

TEST_P(AsioBinary, EveryScenarioPrintsTheSameStoryAndExitCodeOnBothEngines) {
  const std::string& stage = GetParam();
  for (const auto& scenario : scenarios) {
    std::string args = "--clock virtual --scenario " + scenario;
    Result hand = run(stage, args);
    Result asio = run(stage, args + " --engine asio");
    EXPECT_EQ(asio.exit_code, hand.exit_code) << stage << " " << scenario << ": " << asio.err;
    EXPECT_EQ(story(asio.out), story(hand.out)) << stage << " " << scenario;
    EXPECT_FALSE(story(asio.out).empty()) << stage << " " << scenario;
  }
}

INSTANTIATE_TEST_SUITE_P(AllStages, AsioBinary, testing::ValuesIn(stages));

TEST(AsioBinaries, FailureAndTimeoutExitWithOne) {
  for (const auto& stage : stages) {
    EXPECT_EQ(run(stage, "--engine asio --clock virtual --scenario failure").exit_code, 1);
    EXPECT_EQ(run(stage, "--engine asio --clock virtual --scenario timeout").exit_code, 1);
  }
}

TEST(AsioBinaries, TheWalkThroughTakesTwoSecondsNotThree) {
  for (const auto& stage : stages) {
    Result r = run(stage, "--engine asio --clock virtual");
    EXPECT_NE(r.out.find("Total time: 2.000s (sequential would be 3.000s)"), std::string::npos)
        << stage << r.out;
  }
}

TEST(AsioBinaries, TraceGanttAndJsonDrawTheAsioRun) {
  for (const auto& stage : stages) {
    Result trace = run(stage, "--engine asio --clock virtual --trace");
    EXPECT_EQ(trace.exit_code, 0) << trace.err;
    EXPECT_NE(trace.out.find("Task B: timer fired"), std::string::npos) << trace.out;
    EXPECT_NE(trace.out.find("= Task A done"), std::string::npos) << trace.out;

    Result gantt = run(stage, "--engine asio --clock virtual --gantt");
    EXPECT_NE(gantt.out.find("Task A"), std::string::npos) << gantt.out;

    fs::path json =
        fs::temp_directory_path() / ("evo-asio-" + std::to_string(::getpid()) + ".json");
    Result r = run(stage, "--engine asio --clock virtual --trace-json " + json.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(slurp(json).find("\"Task A\""), std::string::npos);
    fs::remove(json);
  }
}

}  // namespace
