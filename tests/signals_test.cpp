// Ctrl-C or a kill during a real-clock run: the binary stops its loop,
// keeps the lines printed so far, leaves no --trace-json file behind (not
// even a half-written one), says so in one line, and then ends by the same
// signal, as a shell expects (it reports 130 or 143).
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "run_binary.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Stopped {
  int signal = 0;  // the signal that ended it, or 0 if it exited
  int exit_code = -1;
  std::string out, err;
  std::vector<std::string> left;  // what is in the output folder afterwards
};

// Starts the stage on the real clock (the walk-through takes 2 s) writing a
// trace into an empty folder; once its temporary trace file appears (the
// binary is then past installing its signal handlers), sends `signal`.
// inotify tells when the file appears: no sleeping, no polling.
Stopped stop_with(const std::string& stage, int signal) {
  fs::path dir = fs::temp_directory_path() / ("evo-signals-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  int watch = ::inotify_init1(IN_CLOEXEC);
  ::inotify_add_watch(watch, dir.c_str(), IN_CREATE);

  std::string binary = std::string(EVO_BIN_DIR) + "/" + stage;
  std::string json = (dir / "trace.json").string();
  std::vector<std::string> args = {binary, "--trace-json", json};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, (dir / "out").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, STDERR_FILENO, (dir / "err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  EXPECT_EQ(::posix_spawn(&pid, binary.c_str(), &files, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&files);

  // out and err are created by the spawn itself; wait for the trace's
  // temporary file, 30 s at most (a binary that never makes it fails below).
  alignas(inotify_event) char buffer[4096];
  for (bool seen = false; !seen;) {
    pollfd ready{watch, POLLIN, 0};
    if (::poll(&ready, 1, 30'000) != 1) {
      ADD_FAILURE() << stage << " made no trace file within 30 s";
      break;
    }
    ssize_t n = ::read(watch, buffer, sizeof buffer);
    if (n <= 0) break;
    for (char* p = buffer; p < buffer + n;) {
      auto* event = reinterpret_cast<inotify_event*>(p);
      if (event->len && std::string(event->name).starts_with("trace.json")) seen = true;
      p += sizeof(inotify_event) + event->len;
    }
  }
  ::close(watch);
  ::kill(pid, signal);
  int status = 0;
  ::waitpid(pid, &status, 0);

  Stopped s;
  s.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  s.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  s.out = evo::testing::slurp(dir / "out");
  s.err = evo::testing::slurp(dir / "err");
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename();
    if (name != "out" && name != "err") s.left.push_back(name);
  }
  fs::remove_all(dir);
  return s;
}

class Signals : public ::testing::TestWithParam<std::string> {};

TEST_P(Signals, CtrlCStopsTheRunWithOneLineAndNoTraceFile) {
  Stopped s = stop_with(GetParam(), SIGINT);
  EXPECT_EQ(s.signal, SIGINT) << "exit " << s.exit_code << ": " << s.err;
  EXPECT_EQ(s.err, GetParam() + ": stopped by SIGINT (Ctrl-C); the workflow did not finish\n");
  EXPECT_TRUE(s.left.empty()) << "left behind: " << s.left.front();
  EXPECT_EQ(s.out.find("Result:"), std::string::npos) << "it did not finish: " << s.out;
}

TEST_P(Signals, SigtermStopsTheRunLikewise) {
  Stopped s = stop_with(GetParam(), SIGTERM);
  EXPECT_EQ(s.signal, SIGTERM) << "exit " << s.exit_code << ": " << s.err;
  EXPECT_EQ(s.err, GetParam() + ": stopped by SIGTERM; the workflow did not finish\n");
  EXPECT_TRUE(s.left.empty()) << "left behind: " << s.left.front();
}

INSTANTIATE_TEST_SUITE_P(EveryStage, Signals,
                         ::testing::Values("stage1_callbacks", "stage2_futures",
                                           "stage3_coroutines", "stage3_lowered"));

}  // namespace
