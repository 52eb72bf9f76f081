#include "tutor/check.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tutor/catalog.hpp"

namespace evo::tutor {
namespace {

TEST(Tutor, ReadsGoogleTestsJsonIntoAVerdict) {
  auto result = parse_gtest_json(R"({"testsuites": [{"name": "Join", "testsuite": [
      {"name": "Passes"},
      {"name": "Fails", "failures": [{"failure": "join.cpp:3\nExpected 2, got 1", "type": ""}]}
  ]}]})");
  EXPECT_EQ(result.total, 2);
  EXPECT_EQ(result.passed, 1);
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0].test, "Join.Fails");
  EXPECT_EQ(result.status(), Status::failing);
  Exercise e{"join", "stage1_callbacks/exercises", "t", "a.cpp", "b.cpp", "c.md", "x"};
  std::string verdict = render_verdict(e, result);
  EXPECT_NE(verdict.find("1 of 2 checks pass"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("Expected 2, got 1"), std::string::npos) << verdict;
}

TEST(Tutor, AStubThatOnlySaysNotDoneYetIsNotStarted) {
  auto result = parse_gtest_json(R"({"testsuites": [{"name": "S", "testsuite": [
      {"name": "A", "failures": [{"failure": "not done yet: take_due"}]},
      {"name": "B", "failures": [{"failure": "unknown file\nC++ exception: not done yet: x"}]}
  ]}]})");
  EXPECT_EQ(result.status(), Status::not_started);
  CheckResult all_pass = parse_gtest_json(R"({"testsuites": [{"name": "S", "testsuite": [
      {"name": "A"}]}]})");
  EXPECT_EQ(all_pass.status(), Status::done);
  CheckResult broken;
  broken.compiled = false;
  EXPECT_EQ(broken.status(), Status::failing);
}

TEST(Tutor, ReadsHintTiersInOrder) {
  std::string path = ::testing::TempDir() + "/hints.md";
  std::ofstream(path) << "## Hint 1\n\nGentle.\n\n## Hint 2\n\nNearly\nthe answer.\n";
  auto tiers = read_hints(path);
  ASSERT_EQ(tiers.size(), 2u);
  EXPECT_EQ(tiers[0], "Gentle.");
  EXPECT_EQ(tiers[1], "Nearly\nthe answer.");
}

TEST(Tutor, ProgressSurvivesASaveAndALoad) {
  std::string path = ::testing::TempDir() + "/progress.tsv";
  Progress p;
  p.entries["a"] = {Status::done, 2, 123};
  p.entries["b"] = {Status::failing, 0, 7};
  p.save(path);
  Progress q = Progress::load(path);
  EXPECT_EQ(q.entries["a"].status, Status::done);
  EXPECT_EQ(q.entries["a"].hints_shown, 2);
  EXPECT_EQ(q.entries["b"].status, Status::failing);
  EXPECT_EQ(q.entries["b"].checked_file_time, 7);
}

// The binary, as a learner uses it, on the real catalog, with a progress
// file of its own so that the learner's progress is never touched.
struct Ran {
  int code;
  std::string out;
};
Ran tutor(const std::string& args, const std::string& progress_name = "tutor-progress.tsv") {
  // ctest runs each test in a process of its own, maybe at the same time:
  // each test names its own progress file.
  std::string progress = ::testing::TempDir() + "/" + progress_name;
  std::string command =
      std::string(EVO_BIN_DIR) + "/tutor --progress " + progress + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  int status = ::pclose(pipe);
  return {WEXITSTATUS(status), out};
}

TEST(TutorBinary, ChecksHintsAndGuardsTheSolution) {
  std::remove((::testing::TempDir() + "/tutor-progress.tsv").c_str());
  Ran listed = tutor("");
  EXPECT_EQ(listed.code, 0);
  EXPECT_NE(listed.out.find("due_timers"), std::string::npos) << listed.out;

  Ran first = tutor("hint due_timers");
  EXPECT_NE(first.out.find("Hint 1 of"), std::string::npos) << first.out;
  Ran second = tutor("hint due_timers");
  EXPECT_NE(second.out.find("Hint 2 of"), std::string::npos) << second.out;

  // --solution checks the reference, and leaves the learner's progress alone.
  Ran solved = tutor("check due_timers --solution --no-build");
  EXPECT_EQ(solved.code, 0) << solved.out;
  EXPECT_NE(solved.out.find("checks pass. Done"), std::string::npos) << solved.out;
  EXPECT_EQ(tutor("list").out.find("[done]"), std::string::npos);

  Ran watched = tutor("watch due_timers --max-checks 1 --no-build");
  EXPECT_EQ(watched.code, 0) << watched.out;
  EXPECT_NE(watched.out.find("checking due_timers"), std::string::npos) << watched.out;

  Ran bad = tutor("check no_such_exercise");
  EXPECT_EQ(bad.code, 64);
}

// A learner who copies the reference over the stub: their test binary is then
// the solution's. A build directory of its own, whose catalog names the
// solution binary as the learner's, plays that without touching the sources.
TEST(TutorBinary, ASolvedExerciseChecksAsDoneAndIsListedDone) {
  namespace fs = std::filesystem;
  fs::path build = fs::path(::testing::TempDir()) / "tutor-solved-build";
  fs::remove_all(build);
  fs::create_directories(build / "bin");
  fs::create_symlink(fs::path(EVO_BIN_DIR) / "exercise_due_timers_solution",
                     build / "bin" / "exercise_due_timers");
  std::ofstream(build / "exercises.tsv")
      << "due_timers\tcommon/exercises\tThe due-timer phase\tcommon/exercises/due_timers.cpp"
         "\tcommon/exercises/solutions/due_timers.cpp\tcommon/exercises/hints/due_timers.md"
         "\texercise_due_timers\n";
  std::string dirs = "--build-dir " + build.string() + " ";
  std::remove((::testing::TempDir() + "/tutor-solved-progress.tsv").c_str());
  Ran checked = tutor(dirs + "check due_timers --no-build", "tutor-solved-progress.tsv");
  EXPECT_EQ(checked.code, 0) << checked.out;
  EXPECT_NE(checked.out.find("checks pass. Done"), std::string::npos) << checked.out;
  Ran listed = tutor(dirs + "list", "tutor-solved-progress.tsv");
  EXPECT_NE(listed.out.find("[done]"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("All done"), std::string::npos) << listed.out;
  fs::remove_all(build);
}

// The acceptance path "copy the reference over your file" only works if a
// solution names its contract header from the repository root, as the stub's
// folder and the solutions/ folder both resolve that.
TEST(TutorCatalog, SolutionsIncludeTheirContractFromTheRepositoryRoot) {
  namespace fs = std::filesystem;
  fs::path build = fs::path(EVO_BIN_DIR).parent_path();
  auto exercises = read_catalog(build / "exercises.tsv");
  ASSERT_GE(exercises.size(), 13u);
  for (const Exercise& e : exercises) {
    std::ifstream in(fs::path(EVO_SOURCE_DIR) / e.solution_file);
    ASSERT_TRUE(in) << e.solution_file;
    std::string text((std::istreambuf_iterator<char>(in)), {});
    std::string contract = "#include \"" + e.folder + "/" + e.name + ".hpp\"";
    EXPECT_NE(text.find(contract), std::string::npos)
        << e.solution_file << " should say " << contract;
    EXPECT_EQ(text.find("#include \"../"), std::string::npos) << e.solution_file;
  }
}

}  // namespace
}  // namespace evo::tutor
