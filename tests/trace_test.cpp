// Specifies common/trace: the Recorder that the stage equivalence tests
// compare, its one-line rendering, and the LogPrinter behind normal output.
#include "common/trace.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/reactor.hpp"

namespace {

using namespace std::chrono_literals;
using evo::ClockMode;
using evo::Event;
using evo::EventKind;
using evo::Reactor;
using evo::Recorder;

// The walk-through: Task A waits 2 s, Task B 1 s.
void two_tasks(Reactor& r) {
  for (auto [name, delay] : {std::pair{"Task A", 2s}, std::pair{"Task B", 1s}}) {
    std::string task = name;
    r.spawn(task, [&r, task, delay] {
      r.log(task + ": Starting");
      r.call_after(delay, [&r, task] { r.log(task + ": Got result"); });
    });
  }
}

Recorder record_two_tasks() {
  Recorder recorder;
  Reactor reactor(ClockMode::virtual_time);
  reactor.set_observer(&recorder);
  two_tasks(reactor);
  reactor.run();
  return recorder;
}

TEST(Recorder, LogLinesAreTheLoggedTextInOrder) {
  Recorder recorder = record_two_tasks();
  EXPECT_EQ(recorder.log_lines(),
            (std::vector<std::string>{"Task A: Starting", "Task B: Starting", "Task B: Got result",
                                      "Task A: Got result"}));
}

TEST(Recorder, LinesHaveOneLinePerEvent) {
  Recorder recorder = record_two_tasks();
  EXPECT_EQ(recorder.lines().size(), recorder.entries().size());
}

TEST(Recorder, LinesReadTimeLabelKindIdDurationAndDetail) {
  Recorder recorder = record_two_tasks();
  std::vector<std::string> lines = recorder.lines();
  auto has = [&](const std::string& pattern) {
    std::regex re(pattern);
    for (const std::string& line : lines) {
      if (std::regex_match(line, re)) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(R"(0\.000s main spawn Task A)"));
  EXPECT_TRUE(has(R"(0\.000s Task A ready #\d+)"));
  EXPECT_TRUE(has(R"(0\.000s Task A log Task A: Starting)"));
  EXPECT_TRUE(has(R"(0\.000s Task A timer_armed #\d+ \+2\.000s timer)"));
  // On time: no lateness is printed.
  EXPECT_TRUE(has(R"(1\.000s Task B timer_fired #\d+ timer)"));
  EXPECT_TRUE(has(R"(2\.000s Task A done)"));
}

TEST(Recorder, LinesShowHowLateATimerFired) {
  Recorder recorder;
  Reactor reactor(ClockMode::virtual_time);
  reactor.set_observer(&recorder);
  auto nothing = [] {};
  reactor.call_after(100ms, nothing, "late");
  reactor.post([&] { reactor.block_for(350ms); });
  reactor.run();

  std::vector<std::string> lines = recorder.lines();
  std::regex fired(R"(0\.350s main timer_fired #\d+ \+0\.250s late)");
  std::regex blocked(R"(0\.000s main blocked \+0\.350s)");
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                          [&](const std::string& l) { return std::regex_match(l, fired); }));
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                          [&](const std::string& l) { return std::regex_match(l, blocked); }));
}

TEST(Recorder, KeepsItsOwnCopiesOfTheStrings) {
  Recorder recorder;
  {
    std::string label = "short-lived label", detail = "short-lived detail";
    recorder.on_event(Event{EventKind::log, 1s, label, 0, {}, detail});
    label.assign(label.size(), '#');
    detail.assign(detail.size(), '#');
  }
  ASSERT_EQ(recorder.entries().size(), 1u);
  EXPECT_EQ(recorder.entries()[0].label, "short-lived label");
  EXPECT_EQ(recorder.entries()[0].detail, "short-lived detail");
}

TEST(Recorder, TheSameRunRecordsTheSameEntries) {
  EXPECT_EQ(record_two_tasks().entries(), record_two_tasks().entries());
}

// What a dropped callback's destructor may do: a stage-2 promise destroyed
// unrun completes its future with broken_promise, and the continuation runs
// right there. Here the destructor logs and posts the rest of the work.
struct WorkOnDestruction {
  Reactor* r;
  std::string text;
  WorkOnDestruction(Reactor* r, std::string text) : r(r), text(std::move(text)) {}
  WorkOnDestruction(WorkOnDestruction&& o) noexcept
      : r(std::exchange(o.r, nullptr)), text(std::move(o.text)) {}
  ~WorkOnDestruction() {
    if (!r) return;
    r->log(text);
    r->post([r = r, text = text] { r->log(text + ", and the rest of it ran"); });
  }
  void operator()() {}
};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The trace tells the truth about dropped callbacks: each one is destroyed
// under its own task's label, before that task is reported done, on every
// drop path (cancelled, unwatched, destroyed after it ran). To change the
// format on purpose, replace the golden file with the "actual" text printed
// on failure, and say why in the commit.
TEST(Recorder, ADroppedCallbacksDestructorIsTracedUnderItsOwnTask) {
  Recorder recorder;
  {
    Reactor r(ClockMode::virtual_time);
    r.set_observer(&recorder);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    evo::TimerId reply{};
    r.spawn("Task A", [&] {
      reply = r.call_after(1s, WorkOnDestruction(&r, "Task A: reply dropped"), "reply");
    });
    r.spawn("Task C", [&] {
      r.watch(fds[0], evo::Interest::readable, WorkOnDestruction(&r, "Task C: read dropped"));
    });
    r.spawn("Task D", [&] { r.post(WorkOnDestruction(&r, "Task D: callback destroyed")); });
    r.spawn("Task B", [&] {
      r.call_after(
          500ms,
          [&] {
            r.cancel(reply);
            r.unwatch(fds[0]);
          },
          "give up");
    });
    r.run();
    ::close(fds[0]);
    ::close(fds[1]);
  }
  std::string actual;
  for (const std::string& line : recorder.lines()) {
    actual += std::regex_replace(line, std::regex(R"(fd \d+)"), "fd N") + "\n";
  }
  std::string golden =
      slurp(std::filesystem::path(EVO_SOURCE_DIR) / "tests/golden/dropped-callbacks.trace");
  ASSERT_FALSE(golden.empty());  // a golden that cannot be read must not pass as "no output"
  EXPECT_EQ(actual, golden) << "actual:\n" << actual;
}

TEST(LogPrinter, PrintsOnlyLogLines) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    evo::LogPrinter printer(out);
    Reactor reactor(ClockMode::virtual_time);
    reactor.set_observer(&printer);
    two_tasks(reactor);
    reactor.run();
  }
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  EXPECT_EQ(text, "Task A: Starting\nTask B: Starting\nTask B: Got result\nTask A: Got result\n");
}

TEST(Fanout, PassesEachEventToEveryObserverInOrder) {
  struct Tagger : evo::TraceObserver {
    Tagger(std::string tag, std::vector<std::string>& seen) : tag(std::move(tag)), seen(seen) {}
    void on_event(const Event& e) override { seen.push_back(tag + std::string(e.detail)); }
    std::string tag;
    std::vector<std::string>& seen;
  };
  std::vector<std::string> seen;
  Tagger first("1:", seen), second("2:", seen);
  evo::Fanout fanout;
  fanout.add(&first);
  fanout.add(&second);
  Reactor reactor(ClockMode::virtual_time);
  reactor.set_observer(&fanout);
  reactor.log("a");
  reactor.log("b");
  EXPECT_EQ(seen, (std::vector<std::string>{"1:a", "2:a", "1:b", "2:b"}));
}

TEST(FormatSeconds, PrintsSecondsWithThreeDecimals) {
  EXPECT_EQ(evo::format_seconds(0s), "0.000s");
  EXPECT_EQ(evo::format_seconds(2s), "2.000s");
  EXPECT_EQ(evo::format_seconds(1500ms), "1.500s");
  EXPECT_EQ(evo::format_seconds(7ms), "0.007s");
  EXPECT_EQ(evo::format_seconds(999us), "0.000s") << "truncates below a millisecond";
  EXPECT_EQ(evo::format_seconds(-250ms), "-0.250s");
  EXPECT_EQ(evo::format_seconds(3723s), "3723.000s");
}

TEST(EventKind, EveryKindHasAName) {
  EXPECT_EQ(evo::to_string(EventKind::spawn), "spawn");
  EXPECT_EQ(evo::to_string(EventKind::timer_fired), "timer_fired");
  EXPECT_EQ(evo::to_string(EventKind::done), "done");
  for (int k = 0; k <= static_cast<int>(EventKind::done); ++k) {
    EXPECT_NE(evo::to_string(static_cast<EventKind>(k)), "?") << k;
  }
}

}  // namespace
