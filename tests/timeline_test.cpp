// Specifies common/timeline, the textbook picture behind --trace, by feeding
// it the events of small real runs (a Reactor on the virtual clock).
#include "common/timeline.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/gantt.hpp"
#include "common/reactor.hpp"

namespace {

using namespace std::chrono_literals;
using evo::ClockMode;
using evo::Reactor;

// Runs `setup` then the loop with a Timeline attached; returns what it printed,
// line by line.
std::vector<std::string> timeline_of(const std::function<void(Reactor&)>& setup) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    Reactor reactor(ClockMode::virtual_time);
    evo::Timeline timeline(out);
    reactor.set_observer(&timeline);
    setup(reactor);
    reactor.run();
  }
  std::fclose(out);
  std::vector<std::string> lines;
  std::string text(buffer, size);
  std::free(buffer);
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

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

// The index of the first line matching `pattern` (whole line), or -1.
std::ptrdiff_t find_line(const std::vector<std::string>& lines, const std::string& pattern) {
  std::regex re(pattern);
  auto it = std::find_if(lines.begin(), lines.end(),
                         [&](const std::string& line) { return std::regex_match(line, re); });
  return it == lines.end() ? -1 : it - lines.begin();
}

std::string dump(const std::vector<std::string>& lines) {
  std::string text = "\n";
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

// Passes if some line matches `pattern` as a whole; on failure, shows them all.
testing::AssertionResult has_line(const std::vector<std::string>& lines,
                                  const std::string& pattern) {
  if (find_line(lines, pattern) >= 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "no line matches /" << pattern << "/ in:" << dump(lines);
}

TEST(Timeline, StartsWithOneHeaderLine) {
  auto lines = timeline_of(two_tasks);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(\s*time\s+step\s+ready queue\s+waiting)")))
      << lines[0];
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const std::string& l) { return l.find("ready queue") != l.npos; }),
            1);
}

TEST(Timeline, PrintsNothingForARunWithNoEvents) {
  auto lines = timeline_of([](Reactor&) {});
  EXPECT_TRUE(lines.empty()) << dump(lines);
}

TEST(Timeline, RunStepShowsTheReadyQueueAndTheWaitingSet) {
  auto lines = timeline_of(two_tasks);
  // Task A runs first; Task B is still ready, nothing is waiting yet.
  EXPECT_TRUE(has_line(lines, R"(\s*0\.000s\s+run Task A\s+Task B\s+-)"));
  // Then Task B runs; Task A now waits for its timer, due at 2 s.
  EXPECT_TRUE(has_line(lines, R"(\s*0\.000s\s+run Task B\s+-\s+Task A \(timer @2\.000s\))"));
}

TEST(Timeline, SpawnStepShowsTheNewcomerInTheReadyQueue) {
  auto lines = timeline_of(two_tasks);
  EXPECT_EQ(find_line(lines, R"(\s*0\.000s\s+main spawns Task A\s+Task A\s+-)"), 1) << dump(lines);
  EXPECT_EQ(find_line(lines, R"(\s*0\.000s\s+main spawns Task B\s+Task A, Task B\s+-)"), 2)
      << dump(lines);
}

TEST(Timeline, FiredTimerStepShowsItsTaskReadyAndTheRestWaiting) {
  auto lines = timeline_of(two_tasks);
  EXPECT_TRUE(has_line(lines, R"(\s*1\.000s\s+Task B: timer fired\s+Task B\s+)"
                              R"(Task A \(timer @2\.000s\))"));
  EXPECT_TRUE(has_line(lines, R"(\s*2\.000s\s+Task A: timer fired\s+Task A\s+-)"));
}

TEST(Timeline, IndentsWhatACallbackDoesUnderItsStep) {
  auto lines = timeline_of(two_tasks);
  std::ptrdiff_t run_a = find_line(lines, R"(\s*0\.000s\s+run Task A\b.*)");
  ASSERT_GE(run_a, 0) << dump(lines);
  ASSERT_LT(run_a + 2, static_cast<std::ptrdiff_t>(lines.size()));
  // Same time as the step: the time column stays blank.
  EXPECT_EQ(lines[run_a + 1], std::string(12, ' ') + "| Task A: Starting");
  EXPECT_EQ(lines[run_a + 2], std::string(12, ' ') + "+ Task A waits: timer 2.000s");
}

// On the real clock microseconds pass between a step and what it does: the
// time column stays blank while it would print the same text again.
TEST(Timeline, LeavesTheTimeBlankWhileItWouldReadTheSame) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    evo::Timeline timeline(out);
    timeline.on_event({evo::EventKind::log, 0us, "Task A", 0, {}, "first"});
    timeline.on_event({evo::EventKind::log, 20us, "Task A", 0, {}, "same millisecond"});
    timeline.on_event({evo::EventKind::log, 2000us, "Task A", 0, {}, "later"});
  }
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  EXPECT_NE(text.find("  0.000s    | first\n            | same millisecond\n  0.002s    | later"),
            std::string::npos)
      << text;
}

TEST(Timeline, PrefixesLogLinesWithABarInTheOrderTheyWereLogged) {
  auto lines = timeline_of(two_tasks);
  std::vector<std::string> logged;
  for (const std::string& line : lines) {
    std::size_t start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, 2, "| ") == 0) {
      logged.push_back(line.substr(start + 2));
    }
  }
  EXPECT_EQ(logged, (std::vector<std::string>{"Task A: Starting", "Task B: Starting",
                                              "Task B: Got result", "Task A: Got result"}));
}

TEST(Timeline, MarksATaskDoneWhenItHasNothingLeft) {
  auto lines = timeline_of(two_tasks);
  std::ptrdiff_t done_b = find_line(lines, R"(\s+= Task B done)");
  std::ptrdiff_t done_a = find_line(lines, R"(\s+= Task A done)");
  ASSERT_GE(done_b, 0) << dump(lines);
  EXPECT_LT(done_b, done_a) << dump(lines);
  EXPECT_EQ(done_a, static_cast<std::ptrdiff_t>(lines.size()) - 1) << dump(lines);
}

TEST(Timeline, ShortensLongQueuesWithACountOfTheRest) {
  auto lines = timeline_of([](Reactor& r) {
    for (int i = 1; i <= 7; ++i) {
      r.spawn("T" + std::to_string(i), [&r] { r.call_after(1s, [] {}); });
    }
  });
  // Seven ready: four shown, three counted.
  EXPECT_TRUE(has_line(lines, R"(\s*0\.000s\s+main spawns T7\s+T1, T2, T3, T4 \(\+3 more\)\s+-)"));
  // Six waiting while the last one runs: four shown, two counted.
  EXPECT_TRUE(has_line(lines, R"(\s*0\.000s\s+run T7\s+-\s+)"
                              R"(T1 \(timer @1\.000s\), T2 \(timer @1\.000s\), )"
                              R"(T3 \(timer @1\.000s\), T4 \(timer @1\.000s\) \(\+2 more\))"));
}

TEST(Timeline, ShowsACancelledTimerAndDropsItFromTheWaitingSet) {
  auto lines = timeline_of([](Reactor& r) {
    r.spawn("Task A", [&r] {
      auto never = [] {};
      evo::TimerId id = r.call_after(5s, never, "deadline");
      r.post([&r, id] {
        r.cancel(id);
        r.post([] {});  // a step after the cancel, to show the waiting set
      });
    });
  });
  EXPECT_TRUE(has_line(lines, R"(\s+\+ Task A waits: deadline 5\.000s)"));
  EXPECT_TRUE(has_line(lines, R"(\s*0\.000s\s+Task A posts\s+Task A\s+)"
                              R"(Task A \(deadline @5\.000s\))"));
  EXPECT_TRUE(has_line(lines, R"(\s+x Task A cancels its deadline)"));
  EXPECT_TRUE(has_line(lines, R"(\s*0\.000s\s+Task A posts\s+Task A\s+-)"));
  EXPECT_EQ(find_line(lines, R"(\s*[1-9]\.\d+s.*)"), -1) << "no time passed:" << dump(lines);
}

TEST(Timeline, ShowsAWatchedFdLastInTheWaitingSetWithoutADeadline) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string fd = std::to_string(fds[0]);
  auto lines = timeline_of([&](Reactor& r) {
    r.spawn("reader", [&r, &fds] {
      r.watch(fds[0], evo::Interest::readable, [] {});
      auto write = [&fds] { EXPECT_EQ(::write(fds[1], "x", 1), 1); };
      r.call_after(1s, write, "writer");
      r.post([] {});  // a step while both wait
    });
  });
  ::close(fds[0]);
  ::close(fds[1]);

  EXPECT_TRUE(has_line(lines, R"(\s+\+ reader waits: fd )" + fd + " readable"));
  // Watched first, but shown after the timer: an fd has no deadline.
  EXPECT_TRUE(has_line(lines, R"(\s*0\.000s\s+reader posts\s+reader\s+)"
                              R"(reader \(writer @1\.000s\), reader \(fd )" +
                                  fd + R"( readable\))"));
  EXPECT_TRUE(has_line(lines, R"(\s*1\.000s\s+reader: writer fired\s+reader\s+reader \(fd )" + fd +
                                  R"( readable\))"));
  EXPECT_TRUE(has_line(lines, R"(\s*1\.000s\s+reader: fd )" + fd + R"( readable\s+reader\s+-)"));
}

// unwatch() must be reported, or the timeline keeps showing a watch that is gone.
TEST(Timeline, DropsAnUnwatchedFdFromTheWaitingSet) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto lines = timeline_of([&](Reactor& r) {
    r.spawn("reader", [&r, &fds] {
      r.watch(fds[0], evo::Interest::readable, [] {});
      r.call_after(1s, [&r, &fds] {
        r.unwatch(fds[0]);
        r.post([] {});  // a step after the unwatch, to show the waiting set
      });
    });
  });
  ::close(fds[0]);
  ::close(fds[1]);

  EXPECT_TRUE(has_line(lines, R"(\s*1\.000s\s+reader posts\s+reader\s+-)"));
}

// A callback queued before the Timeline was attached has no entry in its
// ready queue; its run step must still print (this once crashed, so it stays
// last in the file, where a crash hides no other test).
TEST(Timeline, CopesWithWorkQueuedBeforeItWasAttached) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    Reactor reactor(ClockMode::virtual_time);
    evo::Timeline timeline(out);
    // The throw policy leaves work queued: watching the rest of the run is
    // exactly when one attaches a timeline late.
    reactor.post([] { throw std::runtime_error("boom"); });
    reactor.post([] {});
    EXPECT_THROW(reactor.run(), std::runtime_error);
    reactor.set_observer(&timeline);
    reactor.run();
  }
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  EXPECT_NE(text.find("run main"), std::string::npos) << text;
}

// The Gantt chart's time axis (common/gantt): at every scale its labels keep
// a space between them and read left to right in increasing order. Before,
// the last label was pushed left over its neighbour: "75.750s101.000s".
TEST(Gantt, AxisLabelsNeverTouchAtAnyScale) {
  using evo::Duration;
  std::vector<Duration> delays = {1ms, 10ms, 100ms, 999ms,  1s,      1500ms,
                                  10s, 100s, 1000s, 10000s, 100000s, 1000000s};
  for (Duration delay : delays) {
    Reactor reactor(ClockMode::virtual_time);
    evo::Recorder recorder;
    reactor.set_observer(&recorder);
    reactor.spawn("Task A", [&reactor, delay] { reactor.call_after(delay, [] {}); });
    reactor.spawn("Task B", [&reactor, delay] { reactor.call_after(delay / 100 * 101, [] {}); });
    reactor.run();
    std::string chart = evo::render_gantt(recorder, {});
    std::string axis = chart.substr(0, chart.find('\n'));
    std::string at = " (delay " + evo::format_seconds(delay) + "):\n" + chart;
    EXPECT_LE(axis.size(), 78u) << at;
    // The labels are the axis's words; "touching" labels would be one word.
    std::vector<double> values;
    std::istringstream words(axis);
    for (std::string word; words >> word;) {
      ASSERT_EQ(word.back(), 's') << word << at;
      ASSERT_EQ(word.find('s'), word.size() - 1) << "two labels touch: " << word << at;
      values.push_back(std::stod(word));
    }
    EXPECT_GE(values.size(), 2u) << at;
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end())) << at;
    EXPECT_NE(chart.find("Task A"), std::string::npos) << at;
    EXPECT_NE(chart.find("Task B"), std::string::npos) << at;
  }
}

}  // namespace
