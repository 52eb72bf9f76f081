// The stage binaries at the edges, seen from outside: usage mistakes, outputs
// that cannot be written, runs too big for the machine. Each gets one line on
// stderr that names the real mistake, and the exit code the README documents
// (64 usage, 74 output). The README's bad-input table names these tests.
#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run_binary.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

using evo::testing::Result;
using evo::testing::slurp;

// A fresh directory per test, removed at the end.
class Scratch {
 public:
  Scratch()
      : dir_(fs::temp_directory_path() /
             ("evo-cli-errors-" + std::to_string(::getpid()) + "-" +
              testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~Scratch() { fs::remove_all(dir_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  fs::path operator/(const std::string& name) const { return dir_ / name; }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

 private:
  fs::path dir_;
};

// Runs bin/<binary> with `args` through sh, which first runs `setup`: a limit
// ("ulimit -v 1000000") or a redirection ("exec >/dev/full"). The arguments
// reach the binary verbatim ("$@"): empty ones, newlines and escapes too.
Result run(const std::vector<std::string>& args, const std::string& setup = "",
           const std::string& binary = "stage1_callbacks") {
  fs::path dir = fs::temp_directory_path() / ("evo-cli-errors-run-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string script = "exec >'" + (dir / "out").string() + "' 2>'" + (dir / "err").string() +
                       "' </dev/null\n" + setup + "\nexec \"$0\" \"$@\"";
  std::vector<std::string> words = {"sh", "-c", script, std::string(EVO_BIN_DIR) + "/" + binary};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  int status = 0;
  Result r;
  if (::posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv.data(), environ) == 0 &&
      ::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  }
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  fs::remove_all(dir);
  return r;
}

// The promise every refusal keeps: its exit code, one line on stderr that
// says `mentions`, nothing on stdout.
void expect_one_line(const Result& r, int exit_code, const std::string& mentions,
                     const std::string& context, const std::string& binary = "stage1_callbacks") {
  EXPECT_EQ(r.exit_code, exit_code) << context << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << context << ":\n" << r.err;
  EXPECT_TRUE(r.err.starts_with(binary + ": error: ")) << context << ": " << r.err;
  EXPECT_NE(r.err.find(mentions), std::string::npos)
      << context << ": the line should say '" << mentions << "': " << r.err;
}

// ---- usage: the line names the real mistake --------------------------------------

TEST(CliErrors, AFlagMissingItsValueIsNamedNotTheWordAfterIt) {
  const std::vector<std::vector<std::string>> cases = {
      {"--users", "--clock", "virtual"},
      {"--scenario", "fan-out", "--users"},
      {"--trace-json", "--gantt", "--clock", "virtual"},
      {"--users", "--help-me"}};
  for (const auto& args : cases) {
    Result r = run(args);
    std::string flag = args[0] == "--scenario" ? "--users" : args[0];
    expect_one_line(r, 64, flag + " needs a value", args[0]);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.find("virtual"), std::string::npos) << "blames a later word: " << r.err;
  }
}

TEST(CliErrors, ValuesAreEchoedEscapedAndCut) {
  // A newline and a terminal escape (red text) in a value, and a long value.
  Result r = run({"--scenario", "a\nb\x1b[31mc"});
  expect_one_line(r, 64, "'a\\nb\\x1b[31mc'", "control characters");
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "a raw escape reached the terminal";

  Result long_value = run({"--clock", std::string(500, 'x')});
  expect_one_line(long_value, 64, "'" + std::string(40, 'x') + "...'", "a long value");
  EXPECT_LT(long_value.err.size(), 200u) << long_value.err;

  Result bytes = run({"--engine", "\xe2\x80\x8f\x9b"});  // a right-to-left mark, a raw CSI byte
  expect_one_line(bytes, 64, "'\\xe2\\x80\\x8f\\x9b'", "bytes outside ASCII");
}

TEST(CliErrors, AnEmptyArgumentIsNamedAsSuch) {
  expect_one_line(run({"--clock", "virtual", ""}), 64, "argument 3 is an empty string (\"\")",
                  "a lone empty argument");
  expect_one_line(run({"--users", "", "--scenario", "fan-out"}), 64,
                  "--users needs a value (--users N), not an empty string", "--users \"\"");
  expect_one_line(run({"--trace-json="}), 64, "--trace-json needs a value (--trace-json FILE)",
                  "--trace-json=");
}

TEST(CliErrors, StrayWordsAreListedInTheOrderGiven) {
  Result r = run({"one", "--clock", "virtual", "two", "--trace", "three"});
  expect_one_line(r, 64, "unexpected words 'one', 'two', 'three'", "three stray words");
  Result many = run({"1", "2", "3", "4", "5", "6", "7"});
  expect_one_line(many, 64, "'1', '2', '3', '4', '5' and 2 more", "seven stray words");
}

TEST(CliErrors, AFlagGivenTwiceIsSaidInPlainWords) {
  expect_one_line(run({"--users", "3", "--users", "4"}), 64, "--users given twice", "--users");
  expect_one_line(run({"--trace", "--clock", "virtual", "--trace"}), 64, "--trace given twice",
                  "--trace");
  expect_one_line(run({"--clock=virtual", "--clock", "real"}), 64, "--clock given twice",
                  "--clock= then --clock");
  // --fail is a list: given twice, it fails two lookups.
  Result fail_twice = run({"--scenario", "fan-out", "--users", "3", "--clock", "virtual", "--fail",
                           "user:1", "--fail", "user:2"});
  EXPECT_EQ(fail_twice.exit_code, 1) << fail_twice.err;
}

// ---- outputs: a file or stdout that cannot be written -----------------------------

TEST(CliErrors, AnUnwritableFileExits74WithTheReason) {
  Scratch scratch;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--trace-json", "/dev/full"}, "--trace-json: cannot write '/dev/full': No space left"},
      {{"--trace-html", "/dev/full"}, "--trace-html: cannot write '/dev/full': No space left"},
      {{"--trace-json", "/nonexistent/dir/t.json"},
       "cannot write '/nonexistent/dir/t.json': No such file or directory"},
      {{"--trace-html", (scratch / ".").string()}, "Is a directory"}};
  for (auto [args, mentions] : cases) {
    args.insert(args.end(), {"--clock", "virtual"});
    Result r = run(args);
    expect_one_line(r, 74, mentions, args[1]);
  }
  EXPECT_TRUE(scratch.files().empty()) << "no file left behind";
}

TEST(CliErrors, AStdoutThatCannotBeWrittenExits74) {
  expect_one_line(run({"--clock", "virtual"}, "exec >/dev/full"), 74,
                  "cannot write to stdout: No space left on device", ">/dev/full");
  expect_one_line(run({"--clock", "virtual", "--help"}, "exec >/dev/full"), 74,
                  "cannot write to stdout", "--help >/dev/full");
  expect_one_line(run({"--clock", "virtual"}, "exec >&-"), 74, "cannot write to stdout",
                  "a closed stdout");
}

TEST(CliErrors, AFailedWriteLeavesTheOldFileWhole) {
  Scratch scratch;
  fs::path json = scratch / "run.json";
  std::ofstream(json) << "the old trace\n";
  // ulimit -f 1: files may grow to 512 bytes; the trace is longer, so its write
  // fails with EFBIG (the signal that would kill the run is ignored).
  Result r = run({"--clock", "virtual", "--trace-json", json.string()},
                 "ulimit -f 1; trap '' XFSZ; exec >/dev/null");
  expect_one_line(r, 74, "cannot write '" + json.string() + "': File too large", "ulimit -f 1");
  EXPECT_EQ(slurp(json), "the old trace\n");
  EXPECT_EQ(scratch.files(), std::vector<std::string>{"run.json"}) << "a temporary file was left";
}

TEST(CliErrors, ASuccessfulWriteReplacesTheOldFileWhole) {
  Scratch scratch;
  fs::path json = scratch / "run.json";
  std::ofstream(json) << "the old trace, longer than the new one would ever be..."
                      << std::string(100'000, '.') << "\n";
  fs::create_symlink(json, scratch / "link.json");
  Result r = run({"--clock", "virtual", "--trace-json", (scratch / "link.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string text = slurp(json);
  EXPECT_TRUE(text.starts_with("{")) << text.substr(0, 80);
  EXPECT_TRUE(text.ends_with("}\n")) << "the old file's tail is gone";
  EXPECT_TRUE(fs::is_symlink(scratch / "link.json")) << "written through the link, not over it";
  auto files = scratch.files();
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"link.json", "run.json"}));

  // A device is written in place: /dev/stdout after the lines printed before it.
  Result to_stdout = run({"--clock", "virtual", "--trace-json", "/dev/stdout"});
  EXPECT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_TRUE(to_stdout.out.starts_with("Task A: Starting\n")) << to_stdout.out.substr(0, 80);
  EXPECT_NE(to_stdout.out.find("\n{\"traceEvents\""), std::string::npos);
}

// ---- sizes: refused before starting -----------------------------------------------

bool under_address_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

TEST(CliErrors, ARunTooBigForMemoryIsRefusedBeforeItStarts) {
  if (under_address_sanitizer()) {
    GTEST_SKIP() << "ASan reserves terabytes of address space: it cannot start under ulimit -v";
  }
  // 1 GB of address space; a million users need about 1.1 to 3.2 GB.
  for (const char* stage : {"stage1_callbacks", "stage2_futures", "stage3_coroutines"}) {
    Result r = run({"--clock", "virtual", "--scenario", "fan-out", "--users", "1000000"},
                   "ulimit -v 1000000", stage);
    expect_one_line(r, 64, "--users 1000000: this run needs about ", stage, stage);
    EXPECT_NE(r.err.find(" of memory and this machine has 1.0 GB (ulimit -v); at most "),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.out, "") << stage;
  }
}

// The same refusal against the machine's own memory (MemAvailable): no ulimit,
// so it runs under ASan too. Where 10 million coroutine workflows would fit
// (about 32 GB), there is nothing to refuse, and the test says so.
TEST(CliErrors, ARunBeyondTheMachinesMemoryIsRefused) {
  std::ifstream meminfo("/proc/meminfo");
  std::uint64_t available_kib = 0;
  for (std::string key; meminfo >> key;) {
    if (key == "MemAvailable:") meminfo >> available_kib;
    meminfo.ignore(1000, '\n');
  }
  // The run needs about 32 GB: only well below that is the refusal certain.
  if (available_kib == 0 || available_kib * 1024 > 28'000'000'000) {
    GTEST_SKIP() << "this machine has room for 10,000,000 users of stage 3";
  }
  Result r = run({"--clock", "virtual", "--scenario", "fan-out", "--users", "10000000"}, "",
                 "stage3_coroutines");
  expect_one_line(r, 64, "--users 10000000: this run needs about 32.0 GB of memory and this ",
                  "10 million users", "stage3_coroutines");
  EXPECT_NE(r.err.find(" users fit"), std::string::npos) << r.err;
}

TEST(CliErrors, PicturesOfMoreThanAHundredThousandUsersAreRefused) {
  for (const char* picture : {"--gantt", "--trace-json=/dev/null", "--trace-html=/dev/null"}) {
    Result r = run({"--clock", "virtual", "--scenario", "fan-out", "--users", "100001", picture});
    std::string flag = std::string(picture).substr(0, std::string(picture).find('='));
    expect_one_line(r, 64, "--users 100001: " + flag + " draws at most 100000 users", picture);
    EXPECT_EQ(r.out, "");
  }
}

}  // namespace
