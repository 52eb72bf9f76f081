#include "tutor/check.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

// A learner reads 300ms, not the 300000000ns that GoogleTest prints for a
// std::chrono duration.
TEST(Tutor, DurationsInMessagesReadInTheirUnit) {
  CheckResult result = parse_gtest_json(R"({"testsuites": [{"name": "S", "testsuite": [
      {"name": "A", "failures": [{"failure": "Which is: 300000000ns\nvs 1500000000ns, 250000ns, 7ns, 2000000000ns"}]}
  ]}]})");
  Exercise e{"x", "common/exercises", "t", "a.cpp", "b.cpp", "c.md", "x"};
  std::string verdict = render_verdict(e, result);
  EXPECT_NE(verdict.find("Which is: 300ms\n"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("vs 1.5s, 250us, 7ns, 2s\n"), std::string::npos) << verdict;
  EXPECT_EQ(verdict.find("300000000ns"), std::string::npos) << verdict;
}

// The exercise whose mistakes are lifetime bugs: the crash verdicts' example.
const Exercise awaitable_adapter{"awaitable_adapter",
                                 "stage3_coroutines/exercises",
                                 "t",
                                 "stage3_coroutines/exercises/awaitable_adapter.cpp",
                                 "b.cpp",
                                 "c.md",
                                 "x"};

// A sanitizer's report is read from its top: the kind of error, then the
// first frames in the learner's file; the tail (the allocation's history,
// the shadow bytes) is not what a learner needs first.
TEST(Tutor, ACrashIsShownFromTheTopOfItsReport) {
  std::string report =
      "[ RUN      ] AwaitableAdapter.WorksWhenTheOperationAnswersAtOnce\n"
      "=================================================================\n"
      "==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x6060 at pc 0x55 bp 0x7f\n"
      "WRITE of size 8 at 0x6060 thread T0\n"
      "    #0 0x55 in std::function<void ()>::operator=(decltype(nullptr)) "
      "/usr/include/c++/12/bits/std_function.h:400\n"
      "    #1 0x56 in evo::exercises::AwaitUser::await_suspend(std::coroutine_handle<void>) "
      "/src/stage3_coroutines/exercises/awaitable_adapter.cpp:14\n"
      "    #2 0x57 in waits_for_user /src/tests/exercises/awaitable_adapter_test.cpp:35\n"
      "\n0x6060 is located 48 bytes inside of 120-byte region\nfreed by thread T0 here:\n" +
      std::string(3000, 'x') + "\nShadow bytes around the buggy address:\n";
  CheckResult result;
  result.crashed = true;
  result.build_output = report;
  std::string verdict = render_verdict(awaitable_adapter, result);
  EXPECT_NE(verdict.find("use-after-free"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("heap-use-after-free on address"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("awaitable_adapter.cpp:14"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("AwaitableAdapter.WorksWhenTheOperationAnswersAtOnce"), std::string::npos)
      << "say which check it was in: " << verdict;
  EXPECT_EQ(verdict.find("Shadow bytes"), std::string::npos) << "not the tail: " << verdict;
  EXPECT_LT(verdict.size(), 1500u) << verdict;
  EXPECT_EQ(verdict.find("llvm-symbolizer"), std::string::npos) << "it was symbolized: " << verdict;
}

// A report without a symbolizer has bare addresses; the verdict says what to
// install instead of leaving the learner to guess why no line is named.
TEST(Tutor, AnUnsymbolizedCrashSaysWhichSymbolizerToInstall) {
  CheckResult result;
  result.crashed = true;
  result.build_output =
      "[ RUN      ] AwaitableAdapter.WorksWhenTheOperationAnswersAtOnce\n"
      "==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x6060 at pc 0x55 bp 0x7f\n"
      "READ of size 8 at 0x6060 thread T0\n"
      "    #0 0x55  (/build/bin/exercise_awaitable_adapter+0x14603a) (BuildId: 9c3e)\n"
      "    #1 0x56  (/build/bin/exercise_awaitable_adapter+0x1351c9) (BuildId: 9c3e)\n";
  std::string verdict = render_verdict(awaitable_adapter, result);
  EXPECT_NE(verdict.find("heap-use-after-free"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("install llvm-16"), std::string::npos) << verdict;
}

// A failed build shows the compiler's first diagnostic, not the build tool's
// command line (whose -Werror once made it look like the error), with the
// repository's absolute paths made relative.
TEST(Tutor, TheCompilerExcerptStartsAtTheFirstDiagnostic) {
  std::string ninja =
      "[1/2] Building CXX object common/exercises/CMakeFiles/x.dir/due_timers.cpp.o\n"
      "FAILED: common/exercises/CMakeFiles/x.dir/due_timers.cpp.o\n"
      "/usr/bin/c++ -I/repo -O2 -Werror -Wall -c /repo/common/exercises/due_timers.cpp\n"
      "/repo/common/exercises/due_timers.cpp: In member function 'void evo::Due::run()':\n"
      "/repo/common/exercises/due_timers.cpp:12:5: error: 'foo' was not declared in this scope\n"
      "   12 |     foo();\n"
      "      |     ^~~\n"
      "ninja: build stopped: subcommand failed.\n";
  std::string excerpt = compiler_excerpt(ninja, "/repo", "/elsewhere/build");
  EXPECT_TRUE(excerpt.starts_with("    common/exercises/due_timers.cpp: In member function"))
      << excerpt;
  EXPECT_NE(excerpt.find("due_timers.cpp:12:5: error: 'foo'"), std::string::npos) << excerpt;
  EXPECT_NE(excerpt.find("^~~"), std::string::npos) << excerpt;
  for (const char* noise : {"/usr/bin/c++", "FAILED:", "ninja:", "/repo/"}) {
    EXPECT_EQ(excerpt.find(noise), std::string::npos) << noise << " in:\n" << excerpt;
  }
  // Relative to a build inside the repository (a compiler cache writes them so).
  std::string cached = compiler_excerpt(
      "../../common/exercises/due_timers.cpp:28:17: error: use of undeclared identifier 'foo'\n",
      "/repo", "/repo/build/default");
  EXPECT_TRUE(cached.starts_with("    common/exercises/due_timers.cpp:28:17: error:")) << cached;
  // No diagnostic at all (CMake's own error): the tool's words, from the top.
  EXPECT_NE(compiler_excerpt("Error: could not load cache\n", "/repo", "/repo/build")
                .find("could not load cache"),
            std::string::npos);
}

// The binary, as a learner uses it, on the real catalog, with a progress
// file of its own so that the learner's progress is never touched.
struct Ran {
  int code;
  std::string out;
};
Ran run_shell(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  std::string out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  int status = ::pclose(pipe);
  return {WEXITSTATUS(status), out};
}

Ran tutor(const std::string& args, const std::string& progress_name = "tutor-progress.tsv") {
  // ctest runs each test in a process of its own, maybe at the same time:
  // each test names its own progress file.
  std::string progress = ::testing::TempDir() + "/" + progress_name;
  return run_shell(std::string(EVO_BIN_DIR) + "/tutor --progress " + progress + " " + args);
}

Ran tutor_script(const std::string& args) {
  return run_shell(std::string(EVO_SOURCE_DIR) + "/scripts/" + args);
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

TEST(TutorBinary, AMistypedNameGetsDidYouMean) {
  Ran typo = tutor("check due_timer", "tutor-typo-progress.tsv");
  EXPECT_EQ(typo.code, 64);
  EXPECT_NE(typo.out.find("did you mean due_timers?"), std::string::npos) << typo.out;
  Ran hint_typo = tutor("hint awaitable_adaptor", "tutor-typo-progress.tsv");
  EXPECT_NE(hint_typo.out.find("did you mean awaitable_adapter?"), std::string::npos)
      << hint_typo.out;
  Ran far = tutor("check zzzzzzzzzz", "tutor-typo-progress.tsv");
  EXPECT_EQ(far.out.find("did you mean"), std::string::npos) << "no wild guesses: " << far.out;
}

// A mistyped command, or an exercise named without one, gets a suggestion
// in one line, not CLI11's "argument was not expected".
TEST(TutorBinary, AMistypedCommandGetsDidYouMean) {
  Ran typo = tutor("chek", "tutor-typo-progress.tsv");
  EXPECT_EQ(typo.code, 64);
  EXPECT_EQ(typo.out, "tutor: error: unknown command 'chek'; did you mean check?\n");
  Ran bare = tutor("due_timers", "tutor-typo-progress.tsv");
  EXPECT_EQ(bare.code, 64);
  EXPECT_NE(bare.out.find("did you mean `tutor check due_timers`?"), std::string::npos) << bare.out;
  Ran unknown = tutor("frobnicate", "tutor-typo-progress.tsv");
  EXPECT_EQ(unknown.code, 64);
  EXPECT_NE(unknown.out.find("unknown command 'frobnicate'; `tutor --help` lists them"),
            std::string::npos)
      << unknown.out;
}

TEST(TutorBinary, ReadingAHintDoesNotMarkAnUntouchedExerciseEdited) {
  std::remove((::testing::TempDir() + "/tutor-hint-progress.tsv").c_str());
  tutor("hint due_timers", "tutor-hint-progress.tsv");
  Ran listed = tutor("list", "tutor-hint-progress.tsv");
  EXPECT_EQ(listed.out.find("edited since"), std::string::npos) << listed.out;
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

// A build directory of its own whose catalog names `binary` as the learner's
// test program of one exercise: tutor then checks that program, and the
// sources and the learner's progress stay untouched.
std::string fake_build(const std::string& dir, const std::string& name, const std::string& folder,
                       const std::filesystem::path& binary) {
  namespace fs = std::filesystem;
  fs::path build = fs::path(::testing::TempDir()) / dir;
  fs::remove_all(build);
  fs::create_directories(build / "bin");
  fs::create_symlink(binary, build / "bin" / ("exercise_" + name));
  std::ofstream(build / "exercises.tsv")
      << name << "\t" << folder << "\tTitle\t" << folder << "/" << name << ".cpp\t" << folder
      << "/solutions/" << name << ".cpp\t" << folder << "/hints/" << name << ".md\texercise_"
      << name << "\n";
  return "--build-dir " + build.string() + " ";
}

// A build whose due_timers test program is a shell script with `body`: a
// program that misbehaves in one exact way (hangs, exits early).
std::string fake_due_timers(const std::string& name, const std::string& body) {
  namespace fs = std::filesystem;
  fs::path script = fs::path(::testing::TempDir()) / (name + ".sh");
  std::ofstream(script) << "#!/bin/sh\n" << body << "\n";
  fs::permissions(script, fs::perms::owner_all);
  return fake_build(name + "-build", "due_timers", "common/exercises", script);
}

// The acceptance line: a learner's awaitable_adapter that touches the awaiter
// after starting the operation (tests/exercises/mistakes/awaitable_adapter.cpp)
// fails, and the verdict names the use-after-free and where it happened. A
// plain build would pass it: stage 3's exercises are built under ASan+UBSan.
TEST(TutorBinary, AnAwaiterTouchedAfterStartingFailsAsUseAfterFree) {
  std::string dirs =
      fake_build("tutor-uaf-build", "awaitable_adapter", "stage3_coroutines/exercises",
                 std::filesystem::path(EVO_BIN_DIR) / "exercise_awaitable_adapter_mistake");
  std::remove((::testing::TempDir() + "/tutor-uaf-progress.tsv").c_str());
  Ran checked = tutor(dirs + "check awaitable_adapter --no-build", "tutor-uaf-progress.tsv");
  EXPECT_EQ(checked.code, 1) << checked.out;
  EXPECT_NE(checked.out.find("use-after-free"), std::string::npos) << checked.out;
  EXPECT_NE(checked.out.find("awaitable_adapter.cpp:"), std::string::npos)
      << "name the line in the learner's file: " << checked.out;
  EXPECT_EQ(checked.out.find("Done"), std::string::npos) << checked.out;
}

// A check that runs out of time says what it knows (which check was running)
// and does not guess one cause.
TEST(TutorBinary, ACheckThatTimesOutSaysWhereItWasNeutrally) {
  std::string dirs =
      fake_due_timers("tutor-stuck", "echo '[ RUN      ] DueTimers.Stuck'\nexec sleep 30");
  Ran checked = tutor(dirs + "check due_timers --no-build --time-limit 1", "tutor-stuck.tsv");
  EXPECT_EQ(checked.code, 1) << checked.out;
  EXPECT_NE(checked.out.find("did not finish in 1 s"), std::string::npos) << checked.out;
  EXPECT_NE(checked.out.find("DueTimers.Stuck"), std::string::npos) << checked.out;
  EXPECT_NE(checked.out.find("it may block, or never wake"), std::string::npos) << checked.out;
}

// scripts/test's last line counts each exercise once: ctest names a skipped
// test twice (as it runs, and in its list of tests that did not run).
TEST(TutorScripts, TheExerciseSummaryCountsEachSkippedStubOnce) {
  std::string log = ::testing::TempDir() + "/ctest-exercises.log";
  std::ofstream(log)
      << "      Start  1: solution.due_timers.DueTimers.A\n"
         " 1/4 Test  #1: solution.due_timers.DueTimers.A .......   Passed    0.01 sec\n"
         " 2/4 Test  #2: solution.due_timers.DueTimers.B .......   Passed    0.01 sec\n"
         " 3/4 Test  #3: stub_fails.due_timers ..................***Skipped   0.02 sec\n"
         " 4/4 Test  #4: stub_fails.join_counter ................   Passed    0.02 sec\n"
         "\n100% tests passed, 0 tests failed out of 4\n\n"
         "The following tests did not run:\n"
         "\t  3 - stub_fails.due_timers (Skipped)\n";
  Ran summary = tutor_script("exercise-summary < " + log);
  EXPECT_EQ(summary.code, 0) << summary.out;
  EXPECT_NE(summary.out.find("2 checks pass on the reference solutions"), std::string::npos)
      << summary.out;
  EXPECT_NE(summary.out.find("1 untouched stubs fail"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("(1 edited by you"), std::string::npos) << summary.out;
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

// A learner's file that calls exit(0) ends the tests before they report: that
// is said as such, with the check that was running, and is not a crash.
TEST(TutorBinary, AnExitBeforeTheReportIsExitedEarlyNotACrash) {
  std::string dirs = fake_due_timers("tutor-early", "echo '[ RUN      ] DueTimers.Early'\nexit 0");
  Ran checked = tutor(dirs + "check due_timers --no-build", "tutor-early.tsv");
  EXPECT_EQ(checked.code, 1) << checked.out;
  EXPECT_NE(checked.out.find("exited early, with status 0"), std::string::npos) << checked.out;
  EXPECT_NE(checked.out.find("DueTimers.Early"), std::string::npos) << checked.out;
  EXPECT_EQ(checked.out.find("crash"), std::string::npos) << checked.out;
}

// --no-build with nothing built: say it is not built, not "a crash".
TEST(TutorBinary, ATestProgramThatIsNotBuiltIsSaidToBe) {
  std::string dirs = fake_build("tutor-unbuilt-build", "due_timers", "common/exercises",
                                std::filesystem::path(::testing::TempDir()) / "no-such-program");
  Ran checked = tutor(dirs + "check due_timers --no-build", "tutor-unbuilt.tsv");
  EXPECT_EQ(checked.code, 1) << checked.out;
  EXPECT_NE(checked.out.find("could not be run: is it built?"), std::string::npos) << checked.out;
  EXPECT_EQ(checked.out.find("crash"), std::string::npos) << checked.out;
}

// A build says it is building, and how long the last one took, before the
// minutes of silence a first build can be.
TEST(TutorBinary, ABuildSaysSoAndHowLongTheLastOneTook) {
  namespace fs = std::filesystem;
  std::string dirs = fake_build("tutor-timed-build", "due_timers", "common/exercises",
                                fs::path(::testing::TempDir()) / "no-such-program");
  std::ofstream(fs::path(::testing::TempDir()) / "tutor-timed-build" / "tutor-last-build-seconds")
      << "85\n";
  Ran checked = tutor(dirs + "check due_timers", "tutor-timed.tsv");
  EXPECT_TRUE(checked.out.starts_with("Building exercise_due_timers (the last build took 85 s)"))
      << checked.out;
}

// A --progress or --source-dir that cannot work is one line and a usage
// error at once, not a silent "no hints" nor an internal error later.
TEST(TutorBinary, AnUnusableProgressOrSourceDirIsAUsageError) {
  std::string tutor_binary = std::string(EVO_BIN_DIR) + "/tutor";
  for (std::string args : {"--progress /no/such/folder/p.tsv hint due_timers", "--progress / list",
                           "--source-dir /no/such/repo hint due_timers"}) {
    Ran ran = run_shell(tutor_binary + " " + args);
    EXPECT_EQ(ran.code, 64) << args << ": " << ran.out;
    EXPECT_EQ(std::count(ran.out.begin(), ran.out.end(), '\n'), 1) << args << ": " << ran.out;
    EXPECT_NE(ran.out.find(args.substr(0, args.find(' '))), std::string::npos) << ran.out;
  }
}

}  // namespace
}  // namespace evo::tutor
