// Specifies common/reactor: the phases of one loop iteration, timers, fds,
// labels, the throw policy and the virtual clock. Everything runs on the
// virtual clock (instant and deterministic) except the tests named RealClock.
#include "common/reactor.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using evo::ClockMode;
using evo::EventKind;
using evo::Interest;
using evo::Reactor;
using evo::Recorder;
using evo::TimerId;

// A non-blocking pipe, closed on scope exit: the cheapest fd that can be made
// readable on demand.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw std::system_error(errno, std::system_category(), "pipe2");
    }
    read_end_ = fds[0];
    write_end_ = fds[1];
  }
  ~Pipe() {
    ::close(read_end_);
    ::close(write_end_);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_end() const { return read_end_; }
  void write_byte() const {
    char c = 'x';
    ASSERT_EQ(::write(write_end_, &c, 1), 1);
  }
  /// True if a byte was there to read.
  bool read_byte() const {
    char c;
    return ::read(read_end_, &c, 1) == 1;
  }

 private:
  int read_end_ = -1;
  int write_end_ = -1;
};

// ---- The ready phase ------------------------------------------------------------

TEST(Reactor, RunsPostedCallbacksInFifoOrderOnlyWhenRunIsCalled) {
  Reactor r(ClockMode::virtual_time);
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) r.post([&order, i] { order.push_back(i); });

  EXPECT_TRUE(order.empty()) << "post() must not run anything before run()";
  EXPECT_EQ(r.pending(), 5u);
  r.run();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Reactor, RunsWorkPostedDuringReadyPhaseInNextIteration) {
  Reactor r(ClockMode::virtual_time);
  std::vector<std::string> order;
  std::vector<std::uint64_t> iteration;
  auto note = [&](std::string name) {
    order.push_back(std::move(name));
    iteration.push_back(r.stats().iterations);
  };
  r.post([&] {
    note("a");
    r.post([&] { note("c"); });
  });
  r.post([&] { note("b"); });
  r.run();

  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
  // a and b were ready when the first phase began; c was not, so it waits a turn.
  EXPECT_EQ(iteration, (std::vector<std::uint64_t>{1, 1, 2}));
  EXPECT_EQ(r.stats().iterations, 2u);
}

TEST(Reactor, SelfRepostingCallbackDoesNotStarveATimerDueInTheNextIteration) {
  Reactor r(ClockMode::virtual_time);
  int spins = 0;
  int spins_when_timer_ran = -1;
  // Reposts itself until the timer has run; bounded, so that a loop that
  // drains the ready queue to empty fails this test instead of hanging.
  std::function<void()> spin = [&] {
    ++spins;
    if (spins_when_timer_ran < 0 && spins < 100) r.post([&] { spin(); });
  };
  r.post([&] { spin(); });
  r.post([&] {
    // Due at once, so the second iteration's timer phase makes it ready
    // right behind the spinner's first repost, and before its second.
    r.call_after(0s, [&] { spins_when_timer_ran = spins; });
  });
  r.run();

  EXPECT_EQ(spins_when_timer_ran, 2);
}

// ---- Timers -------------------------------------------------------------------

TEST(Reactor, RunsDueTimersInDeadlineOrder) {
  Reactor r(ClockMode::virtual_time);
  std::vector<std::pair<int, evo::Duration>> fired;  // (which, when)
  r.call_after(3s, [&] { fired.emplace_back(3, r.now()); });
  r.call_after(1s, [&] { fired.emplace_back(1, r.now()); });
  r.call_after(2s, [&] { fired.emplace_back(2, r.now()); });

  EXPECT_TRUE(fired.empty());
  r.run();
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0], std::make_pair(1, evo::Duration(1s)));
  EXPECT_EQ(fired[1], std::make_pair(2, evo::Duration(2s)));
  EXPECT_EQ(fired[2], std::make_pair(3, evo::Duration(3s)));
}

TEST(Reactor, FiresTimersWithEqualDeadlinesInArmingOrder) {
  Reactor r(ClockMode::virtual_time);
  std::vector<int> order;
  // Enough of them that a heap without the arming-order tie-break scrambles them.
  for (int i = 0; i < 16; ++i) r.call_after(1s, [&order, i] { order.push_back(i); });
  r.run();

  std::vector<int> expected(16);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(order, expected);
}

TEST(Reactor, TimersArmedAtDifferentTimesForTheSameDeadlineFireInArmingOrder) {
  Reactor r(ClockMode::virtual_time);
  std::vector<std::string> order;
  r.call_after(2s, [&] { order.push_back("armed at 0s"); });
  r.call_after(1s, [&] { r.call_after(1s, [&] { order.push_back("armed at 1s"); }); });
  r.run();

  EXPECT_EQ(order, (std::vector<std::string>{"armed at 0s", "armed at 1s"}));
  EXPECT_EQ(r.now(), 2s);
}

TEST(Reactor, DueTimerRunsBehindCallbacksAlreadyReady) {
  Reactor r(ClockMode::virtual_time);
  std::vector<std::string> order;
  r.call_after(0s, [&] { order.push_back("timer"); });
  r.post([&] { order.push_back("posted"); });
  r.run();

  // The timer phase appends due timers to the ready queue: waiting -> ready.
  EXPECT_EQ(order, (std::vector<std::string>{"posted", "timer"}));
}

TEST(Reactor, NegativeDelayFiresLikeZeroDelay) {
  Reactor r(ClockMode::virtual_time);
  bool ran = false;
  r.call_after(-5s, [&] { ran = true; });
  r.run();

  EXPECT_TRUE(ran);
  EXPECT_EQ(r.now(), 0s);
}

TEST(Reactor, CancelledTimerNeverRunsAndItsCallbackIsDestroyedAtOnce) {
  Reactor r(ClockMode::virtual_time);
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> observed = token;
  bool ran = false;
  TimerId id = r.call_after(1s, [&ran, token = std::move(token)] { ran = true; });
  ASSERT_FALSE(observed.expired());

  EXPECT_TRUE(r.cancel(id));
  EXPECT_TRUE(observed.expired()) << "cancel() must destroy the callback, not keep it";
  EXPECT_EQ(r.pending(), 0u);
  r.run();
  EXPECT_FALSE(ran);
  EXPECT_EQ(r.stats().timers_cancelled, 1u);
}

TEST(Reactor, CancelReturnsFalseForFiredCancelledOrDefaultTimerIds) {
  Reactor r(ClockMode::virtual_time);
  TimerId fired = r.call_after(1s, [] {});
  r.run();
  EXPECT_FALSE(r.cancel(fired));

  TimerId cancelled = r.call_after(1s, [] {});
  EXPECT_TRUE(r.cancel(cancelled));
  EXPECT_FALSE(r.cancel(cancelled));

  EXPECT_FALSE(r.cancel(TimerId{}));
}

TEST(Reactor, StaleTimerIdDoesNotCancelTheTimerThatReusedItsSlot) {
  Reactor r(ClockMode::virtual_time);
  TimerId old_id = r.call_after(1s, [] {});
  ASSERT_TRUE(r.cancel(old_id));
  bool ran = false;
  TimerId new_id = r.call_after(1s, [&] { ran = true; });
  ASSERT_EQ(new_id.slot, old_id.slot) << "precondition: the freed slot is reused";

  EXPECT_FALSE(r.cancel(old_id));
  r.run();
  EXPECT_TRUE(ran);
}

TEST(Reactor, CancelOfATimerThatFiredButHasNotRunYetReturnsFalseAndItStillRuns) {
  Reactor r(ClockMode::virtual_time);
  bool second_ran = false;
  TimerId second{};
  bool cancelled = true;
  // Both are due at 1 s, so the timer phase moves both to the ready queue
  // before the first runs: the second has fired already, too late to cancel.
  r.call_after(1s, [&] { cancelled = r.cancel(second); });
  second = r.call_after(1s, [&] { second_ran = true; });
  r.run();

  EXPECT_FALSE(cancelled);
  EXPECT_TRUE(second_ran);
}

TEST(Reactor, RunDoesNotWaitForACancelledTimerOnTheVirtualClock) {
  Reactor r(ClockMode::virtual_time);
  r.cancel(r.call_after(10s, [] {}));
  r.run();
  EXPECT_EQ(r.now(), 0s);
}

TEST(Reactor, TimerCancelledByAnEarlierTimerLeavesTheClockAtTheEarlierOne) {
  Reactor r(ClockMode::virtual_time);
  bool late_ran = false;
  TimerId late = r.call_after(10s, [&] { late_ran = true; });
  r.call_after(1s, [&] { EXPECT_TRUE(r.cancel(late)); });
  r.run();

  EXPECT_FALSE(late_ran);
  EXPECT_EQ(r.now(), 1s);
}

TEST(Reactor, RealClockRunDoesNotWaitForACancelledTimer) {
  Reactor r(ClockMode::real);
  r.cancel(r.call_after(10s, [] {}));
  auto start = std::chrono::steady_clock::now();
  r.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

// ---- Clocks -------------------------------------------------------------------

TEST(Reactor, VirtualClockJumpsStraightToTheNextTimer) {
  Reactor r(ClockMode::virtual_time);
  evo::Duration seen{-1};
  r.call_after(2s, [&] { seen = r.now(); });
  auto start = std::chrono::steady_clock::now();
  r.run();
  auto wall = std::chrono::steady_clock::now() - start;

  EXPECT_EQ(seen, 2s);
  EXPECT_EQ(r.now(), 2s);
  EXPECT_LT(wall, 500ms) << "a 2 s virtual timer must not take real time";
}

TEST(Reactor, VirtualClockStandsStillWithoutTimers) {
  Reactor r(ClockMode::virtual_time);
  r.post([&] { r.post([] {}); });
  r.run();
  EXPECT_EQ(r.now(), 0s);
}

TEST(Reactor, RealClockWaitsForTheTimer) {
  Reactor r(ClockMode::real);
  EXPECT_EQ(r.clock(), ClockMode::real);
  bool ran = false;
  auto start = std::chrono::steady_clock::now();
  r.call_after(20ms, [&] { ran = true; });
  r.run();
  auto wall = std::chrono::steady_clock::now() - start;

  EXPECT_TRUE(ran);
  EXPECT_GE(wall, 20ms);
  EXPECT_GE(r.now(), 20ms);
  EXPECT_LT(wall, 2s);
}

TEST(Reactor, BlockForAdvancesTheVirtualClockAndMakesTimersLate) {
  Reactor r(ClockMode::virtual_time);
  Recorder recorder;
  r.set_observer(&recorder);
  evo::Duration after_block{-1}, timer_seen{-1};
  r.call_after(100ms, [&] { timer_seen = r.now(); });
  r.post([&] {
    r.block_for(500ms);
    after_block = r.now();
  });
  r.run();

  EXPECT_EQ(after_block, 500ms);
  EXPECT_EQ(timer_seen, 500ms) << "the timer could only fire once the loop was free again";
  EXPECT_EQ(r.now(), 500ms);
  auto fired = std::find_if(recorder.entries().begin(), recorder.entries().end(),
                            [](const auto& e) { return e.kind == EventKind::timer_fired; });
  ASSERT_NE(fired, recorder.entries().end());
  EXPECT_EQ(fired->duration, 400ms) << "timer_fired reports how late the timer fired";
}

// A task that polls for something by yielding (re-posting itself) keeps the
// ready queue busy. On the real clock time passes anyway; on the virtual
// clock each ready phase costs Reactor::virtual_phase_cost, so the timer it
// waits for fires after 1 ms / 1 us = 1000 phases, at exactly its deadline.
std::pair<int, evo::Duration> yield_until_timer(Reactor& r, int max_yields) {
  bool fired = false;
  evo::Duration fired_at{-1};
  int yields = 0;
  r.call_after(1ms, [&] {
    fired = true;
    fired_at = r.now();
  });
  std::function<void()> poll = [&] {
    if (!fired && ++yields < max_yields) r.post([&] { poll(); });
  };
  r.post([&] { poll(); });
  r.run();
  EXPECT_TRUE(fired);
  return {yields, fired_at};
}

TEST(Reactor, YieldingPollerSeesItsTimerFireOnTheVirtualClock) {
  Reactor r(ClockMode::virtual_time);
  auto [yields, fired_at] = yield_until_timer(r, 100'000);
  EXPECT_EQ(fired_at, 1ms);
  EXPECT_EQ(yields, 1ms / Reactor::virtual_phase_cost + 1) << "time moved only by phase costs";
}

TEST(Reactor, YieldingPollerSeesItsTimerFireOnTheRealClock) {
  Reactor r(ClockMode::real);
  auto [yields, fired_at] = yield_until_timer(r, 100'000'000);
  EXPECT_GE(fired_at, 1ms);
  EXPECT_LT(yields, 100'000'000);
}

// The phase cost is only ever paid in full at a deadline: busy phases between
// two timers leave now() where it was, so the times in a trace stay the
// deadlines themselves.
TEST(Reactor, BusyPhasesOnTheVirtualClockDoNotMoveTimeBeforeTheNextDeadline) {
  Reactor r(ClockMode::virtual_time);
  std::vector<evo::Duration> seen;
  std::function<void(int)> spin = [&](int left) {
    seen.push_back(r.now());
    if (left > 0) r.post([&, left] { spin(left - 1); });
  };
  r.call_after(1s, [] {});
  r.post([&] { spin(500); });
  r.run();
  EXPECT_EQ(seen, std::vector<evo::Duration>(501, 0s));
  EXPECT_EQ(r.now(), 1s);
}

// ---- File descriptors ---------------------------------------------------------

TEST(Reactor, RunsWatchCallbackOnceThePipeBecomesReadable) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  std::vector<std::string> order;
  evo::Duration read_at{-1};
  r.watch(pipe.read_end(), Interest::readable, [&] {
    order.push_back("readable");
    read_at = r.now();
    EXPECT_TRUE(pipe.read_byte());
  });
  r.call_after(1s, [&] {
    order.push_back("write");
    pipe.write_byte();
  });

  EXPECT_TRUE(order.empty());
  r.run();
  EXPECT_EQ(order, (std::vector<std::string>{"write", "readable"}));
  EXPECT_EQ(read_at, 1s);
  EXPECT_EQ(r.stats().fd_events, 1u);
}

TEST(Reactor, RealClockWaitsForTheFdAndTheTimerTogether) {
  Reactor r(ClockMode::real);
  Pipe pipe;
  bool readable = false;
  r.watch(pipe.read_end(), Interest::readable, [&] { readable = pipe.read_byte(); });
  r.call_after(20ms, [&] { pipe.write_byte(); });
  auto start = std::chrono::steady_clock::now();
  r.run();

  EXPECT_TRUE(readable);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
}

TEST(Reactor, WatchIsOneShotAndTheFdCanBeWatchedAgain) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  pipe.write_byte();  // stays readable: the byte is never read
  int calls = 0;
  r.watch(pipe.read_end(), Interest::readable, [&] { ++calls; });
  r.run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.pending(), 0u);

  // Again, from inside its own callback this time.
  r.watch(pipe.read_end(), Interest::readable, [&] {
    ++calls;
    r.watch(pipe.read_end(), Interest::readable, [&] { ++calls; });
  });
  r.run();
  EXPECT_EQ(calls, 3);
}

TEST(Reactor, WatchesAWritableFd) {
  Reactor r(ClockMode::virtual_time);
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  bool writable = false;
  r.watch(fds[0], Interest::writable, [&] { writable = true; });
  r.run();
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_TRUE(writable);
}

TEST(Reactor, UnwatchDropsTheCallbackWithoutRunningIt) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  pipe.write_byte();
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> observed = token;
  bool ran = false;
  r.watch(pipe.read_end(), Interest::readable, [&ran, token = std::move(token)] { ran = true; });
  EXPECT_EQ(r.pending(), 1u);

  EXPECT_TRUE(r.unwatch(pipe.read_end()));
  EXPECT_TRUE(observed.expired());
  EXPECT_FALSE(r.unwatch(pipe.read_end())) << "nothing left to unwatch";
  EXPECT_EQ(r.pending(), 0u);
  r.run();
  EXPECT_FALSE(ran);
}

TEST(Reactor, UnwatchFromATimerLetsRunReturnAndIgnoresLaterReadiness) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;  // empty: the watch alone would keep run() waiting
  bool ran = false;
  r.watch(pipe.read_end(), Interest::readable, [&] { ran = true; });
  r.call_after(1s, [&] {
    EXPECT_TRUE(r.unwatch(pipe.read_end()));
    pipe.write_byte();  // too late: nobody watches any more
  });
  r.run();

  EXPECT_FALSE(ran);
  EXPECT_EQ(r.now(), 1s);
}

TEST(Reactor, WatchingTheSameFdTwiceThrowsLogicError) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  pipe.write_byte();
  int first = 0, second = 0;
  r.watch(pipe.read_end(), Interest::readable, [&] { ++first; });
  EXPECT_THROW(r.watch(pipe.read_end(), Interest::readable, [&] { ++second; }), std::logic_error);
  EXPECT_THROW(r.watch(pipe.read_end(), Interest::writable, [&] { ++second; }), std::logic_error);

  EXPECT_EQ(r.pending(), 1u) << "the first watch stays in place";
  r.run();
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 0);
  EXPECT_EQ(evo::live_handlers(), 0u) << "the rejected callbacks were destroyed";
}

TEST(Reactor, WatchingAnInvalidFdThrowsSystemErrorAndLeavesNothingBehind) {
  Reactor r(ClockMode::virtual_time);
  EXPECT_THROW(r.watch(-1, Interest::readable, [] {}), std::system_error);
  EXPECT_EQ(r.pending(), 0u);
  r.run();
  EXPECT_EQ(evo::live_handlers(), 0u);
}

// The strong guarantee: a watch that throws has not taken the callback, so
// the caller can still run it, keep it, or hand it to someone else.
TEST(Reactor, WatchOfAnFdAlreadyWatchedThrowsAndLeavesTheCallbackWithTheCaller) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  r.watch(pipe.read_end(), Interest::readable, [] {});
  int calls = 0;
  evo::Callback mine = [&calls] { ++calls; };

  EXPECT_THROW(r.watch(pipe.read_end(), Interest::readable, std::move(mine)), std::logic_error);
  ASSERT_TRUE(mine) << "a watch that throws must not consume the callback";
  mine();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.pending(), 1u);
  EXPECT_TRUE(r.unwatch(pipe.read_end()));
}

TEST(Reactor, WatchThatTheKernelRefusesThrowsAndLeavesTheCallbackWithTheCaller) {
  Reactor r(ClockMode::virtual_time);
  std::FILE* file = std::tmpfile();  // epoll refuses regular files (EPERM)
  ASSERT_NE(file, nullptr);
  int calls = 0;
  evo::Callback mine = [&calls] { ++calls; };

  EXPECT_THROW(r.watch(::fileno(file), Interest::readable, std::move(mine)), std::system_error);
  std::fclose(file);
  ASSERT_TRUE(mine) << "a watch that throws must not consume the callback";
  mine();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.pending(), 0u);
  r.run();
}

// On the virtual clock an fd that is readable is readable NOW: the loop looks
// at the fds before it lets time jump, so a timeout that is not due yet loses
// to it, whether the loop was idle or busy.
TEST(Reactor, OnTheVirtualClockAReadableSocketBeatsATimeoutNotYetDue) {
  for (bool busy : {false, true}) {
    SCOPED_TRACE(busy ? "busy loop" : "idle loop");
    Reactor r(ClockMode::virtual_time);
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    ASSERT_EQ(::write(fds[1], "x", 1), 1);  // readable before the deadline
    std::vector<std::string> order;
    TimerId timeout = r.call_after(1ms, [&] {
      order.push_back("timeout");
      r.unwatch(fds[0]);
    });
    r.watch(fds[0], Interest::readable, [&] {
      order.push_back("readable");
      r.cancel(timeout);
    });
    int spins = 0;  // a task that keeps the ready queue busy until one side won
    std::function<void()> spin = [&] {
      if (order.empty() && ++spins < 100'000) r.post([&] { spin(); });
    };
    if (busy) r.post([&] { spin(); });
    r.run();
    ::close(fds[0]);
    ::close(fds[1]);

    EXPECT_EQ(order, (std::vector<std::string>{"readable"}));
    EXPECT_EQ(r.now(), 0s);
  }
}

// ---- Labels and the observer --------------------------------------------------

TEST(Reactor, WorkStartedInsideATaskRunsUnderThatTasksLabel) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  pipe.write_byte();
  std::vector<std::string> labels;
  auto note = [&](const char* what) {
    labels.push_back(std::string(what) + ": " + std::string(r.current_label()));
  };
  EXPECT_EQ(r.current_label(), "main");
  r.spawn("Task A", [&] {
    note("spawned");
    r.post([&] { note("posted"); });
    r.call_after(1s, [&] { note("timer"); });
    r.watch(pipe.read_end(), Interest::readable, [&] {
      note("watch");
      r.spawn("Task B", [&] {
        note("nested spawn");
        r.post([&] { note("posted by B"); });
      });
    });
  });
  r.run();

  std::sort(labels.begin(), labels.end());  // the order is not the point here
  EXPECT_EQ(labels, (std::vector<std::string>{"nested spawn: Task B", "posted by B: Task B",
                                              "posted: Task A", "spawned: Task A", "timer: Task A",
                                              "watch: Task A"}));
  EXPECT_EQ(r.current_label(), "main");
}

TEST(Reactor, ReportsDoneOnceForALabelWhenItHasNothingLeft) {
  Reactor r(ClockMode::virtual_time);
  Recorder recorder;
  r.set_observer(&recorder);
  r.spawn("Task A", [&] { r.call_after(1s, [] {}); });
  r.spawn("Task B", [] {});
  r.run();

  std::vector<std::pair<std::string, evo::Duration>> done;
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::done) done.emplace_back(e.label, e.time);
  }
  EXPECT_EQ(done,
            (std::vector<std::pair<std::string, evo::Duration>>{{"Task B", 0s}, {"Task A", 1s}}));
  // Task A's done comes after the last thing it ran: nothing follows it.
  EXPECT_EQ(recorder.entries().back().kind, EventKind::done);
  EXPECT_EQ(recorder.entries().back().label, "Task A");
}

TEST(Reactor, ReportsTheLoopsStepsToTheObserverInOrder) {
  Reactor r(ClockMode::virtual_time);
  Recorder recorder;
  r.set_observer(&recorder);
  r.spawn("Task A", [&] {
    r.log("hello");
    auto nothing = [] {};
    r.call_after(1s, nothing, "sleep");
  });
  r.run();

  std::vector<EventKind> kinds;
  for (const auto& e : recorder.entries()) kinds.push_back(e.kind);
  EXPECT_EQ(kinds,
            (std::vector<EventKind>{EventKind::spawn, EventKind::ready, EventKind::run,
                                    EventKind::log, EventKind::timer_armed, EventKind::timer_fired,
                                    EventKind::ready, EventKind::run, EventKind::done}));
  const auto& armed = recorder.entries()[4];
  EXPECT_EQ(armed.label, "Task A");
  EXPECT_EQ(armed.duration, 1s);
  EXPECT_EQ(armed.detail, "sleep");
  EXPECT_EQ(recorder.entries()[0].label, "main");
  EXPECT_EQ(recorder.entries()[0].detail, "Task A");
  EXPECT_EQ(recorder.log_lines(), (std::vector<std::string>{"hello"}));
}

// ---- The throw policy ---------------------------------------------------------

TEST(Reactor, ExceptionLeavesRunAndTheCallbacksBehindItRunOnTheNextRun) {
  Reactor r(ClockMode::virtual_time);
  std::vector<std::string> order;
  r.post([&] {
    order.push_back("a");
    r.post([&] { order.push_back("posted by a"); });
  });
  r.spawn("Task X", [&] {
    order.push_back("throws");
    throw std::runtime_error("boom");
  });
  r.post([&] { order.push_back("c"); });
  r.post([&] { order.push_back("d"); });

  EXPECT_THROW(r.run(), std::runtime_error);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "throws"}));
  EXPECT_EQ(r.current_label(), "main") << "the thrower's label must not stick";
  EXPECT_EQ(r.pending(), 3u);

  r.run();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "throws", "c", "d", "posted by a"}));

  // And the loop is still a loop.
  bool later = false;
  r.call_after(1s, [&] { later = true; });
  r.run();
  EXPECT_TRUE(later);
  EXPECT_EQ(r.pending(), 0u);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

TEST(Reactor, ExceptionFromATimerCallbackLeavesRunAndTheLoopCarriesOn) {
  Reactor r(ClockMode::virtual_time);
  std::vector<std::string> order;
  r.call_after(1s, [] { throw std::logic_error("timer"); });
  r.call_after(1s, [&] { order.push_back("same deadline"); });
  r.call_after(2s, [&] { order.push_back("later"); });

  EXPECT_THROW(r.run(), std::logic_error);
  EXPECT_TRUE(order.empty());
  EXPECT_EQ(r.now(), 1s);
  r.run();
  EXPECT_EQ(order, (std::vector<std::string>{"same deadline", "later"}));
  EXPECT_EQ(r.now(), 2s);
}

// ---- Shuffled ready phases ----------------------------------------------------

std::vector<int> ready_order(std::uint64_t seed, int count = 10) {
  Reactor r(ClockMode::virtual_time);
  r.shuffle_ready_order(seed);
  std::vector<int> order;
  for (int i = 0; i < count; ++i) r.post([&order, i] { order.push_back(i); });
  r.run();
  return order;
}

TEST(Reactor, ShuffledReadyOrderIsAPermutationAndTheSameForTheSameSeed) {
  for (std::uint64_t seed : {0u, 1u, 42u, 2024u}) {
    std::vector<int> first = ready_order(seed), second = ready_order(seed);
    EXPECT_EQ(first, second) << "seed " << seed;
    std::sort(first.begin(), first.end());
    std::vector<int> all(10);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(first, all) << "seed " << seed << ": every callback runs exactly once";
  }
}

TEST(Reactor, ShuffledReadyOrderDiffersFromFifoForSomeSeed) {
  std::vector<int> fifo(10);
  std::iota(fifo.begin(), fifo.end(), 0);
  bool differs = false;
  for (std::uint64_t seed = 1; seed <= 8 && !differs; ++seed) differs = ready_order(seed) != fifo;
  EXPECT_TRUE(differs);
}

TEST(Reactor, ShuffleStillRunsPostedWorkInTheNextPhase) {
  Reactor r(ClockMode::virtual_time);
  r.shuffle_ready_order(7);
  std::vector<std::uint64_t> late_iterations;
  for (int i = 0; i < 5; ++i) {
    r.post([&] { r.post([&] { late_iterations.push_back(r.stats().iterations); }); });
  }
  r.run();
  EXPECT_EQ(late_iterations, (std::vector<std::uint64_t>(5, 2)));
}

// ---- Bookkeeping --------------------------------------------------------------

TEST(Reactor, LeavesNothingPendingOrAliveAfterRun) {
  {
    Reactor r(ClockMode::virtual_time);
    Pipe pipe;
    pipe.write_byte();
    r.post([&] { r.post([] {}); });
    r.spawn("Task A", [&] { r.call_after(1s, [] {}); });
    r.cancel(r.call_after(5s, [] {}));
    r.watch(pipe.read_end(), Interest::readable, [] {});
    EXPECT_EQ(r.pending(), 3u);  // one posted, one spawned, one watched
    EXPECT_GT(evo::live_handlers(), 0u);

    r.run();
    EXPECT_EQ(r.pending(), 0u);
    EXPECT_EQ(evo::live_handlers(), 0u);
  }
  EXPECT_EQ(evo::live_handlers(), 0u);
}

TEST(Reactor, CountsWhatItDidInStats) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  pipe.write_byte();
  r.post([] {});
  r.post([] {});
  r.call_after(1s, [] {});
  r.cancel(r.call_after(2s, [] {}));
  r.watch(pipe.read_end(), Interest::readable, [] {});
  r.run();

  const Reactor::Stats& s = r.stats();
  EXPECT_EQ(s.callbacks_run, 4u);
  EXPECT_EQ(s.timers_armed, 2u);
  EXPECT_EQ(s.timers_cancelled, 1u);
  EXPECT_EQ(s.fd_events, 1u);
  EXPECT_EQ(s.peak_ready, 2u);
}

// Pending work is destroyed unrun when the reactor goes; a callback whose
// destruction posts more work (a stage-2 promise that breaks does) must not
// crash it, and the observer, maybe gone already, hears nothing.
TEST(Reactor, DestroyingItWithPendingWorkDestroysThatWorkUnrun) {
  int ran = 0;
  int destroyed = 0;
  {
    Reactor r(ClockMode::virtual_time);
    Recorder recorder;
    r.set_observer(&recorder);
    struct PostsWhenDestroyed {
      Reactor* reactor;
      int* destroyed;
      int* ran;
      PostsWhenDestroyed(Reactor* re, int* d, int* n) : reactor(re), destroyed(d), ran(n) {}
      PostsWhenDestroyed(PostsWhenDestroyed&& o) noexcept
          : reactor(std::exchange(o.reactor, nullptr)), destroyed(o.destroyed), ran(o.ran) {}
      ~PostsWhenDestroyed() {
        if (!reactor) return;
        ++*destroyed;
        reactor->log("from a destructor");
        reactor->post([ran = ran] { ++*ran; });
        reactor->call_after(1s, [ran = ran] { ++*ran; });
      }
      void operator()() { ++*ran; }
    };
    r.post(PostsWhenDestroyed(&r, &destroyed, &ran));
    r.call_after(5s, PostsWhenDestroyed(&r, &destroyed, &ran));
  }
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(destroyed, 2);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

// What a stage-2 promise or a stage-3 frame can do when the reactor drops it:
// its destructor adds more work (here: posts, arms and watches a callback,
// then adds another one of itself, up to `left` more). At teardown none of
// that may be queued (it would be dropped in its turn, and add more, forever).
struct AddsWorkWhenDestroyed {
  Reactor* reactor;
  int fd;
  int left;
  int* ran;
  std::vector<bool>* destroyed_at_once;  // one entry per piece of work it added
  AddsWorkWhenDestroyed(Reactor* r, int fd, int left, int* ran, std::vector<bool>* at_once)
      : reactor(r), fd(fd), left(left), ran(ran), destroyed_at_once(at_once) {}
  AddsWorkWhenDestroyed(AddsWorkWhenDestroyed&& o) noexcept
      : reactor(std::exchange(o.reactor, nullptr)),
        fd(o.fd),
        left(o.left),
        ran(o.ran),
        destroyed_at_once(o.destroyed_at_once) {}
  ~AddsWorkWhenDestroyed() {
    if (!reactor) return;
    auto token = std::make_shared<int>(0);
    std::weak_ptr<int> observed = token;
    reactor->post([ran = ran, token] { ++*ran; });
    reactor->spawn("spawned by a destructor", [ran = ran, token] { ++*ran; });
    reactor->call_after(1s, [ran = ran, token] { ++*ran; });
    reactor->watch(fd, Interest::readable, [ran = ran, token] { ++*ran; });
    token.reset();
    destroyed_at_once->push_back(observed.expired());
    if (left > 0) {
      reactor->post(AddsWorkWhenDestroyed(reactor, fd, left - 1, ran, destroyed_at_once));
    }
  }
  void operator()() { ++*ran; }
};

TEST(Reactor, WorkAddedByADestructorDuringTeardownIsDestroyedAtOnceNotQueued) {
  Pipe pipe;
  int ran = 0;
  std::vector<bool> destroyed_at_once;
  {
    Reactor r(ClockMode::virtual_time);
    r.post(AddsWorkWhenDestroyed(&r, pipe.read_end(), 3, &ran, &destroyed_at_once));
  }
  EXPECT_EQ(destroyed_at_once, std::vector<bool>(4, true))
      << "work added during teardown must be destroyed before the call that added it returns";
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

// A destructor that always adds one more of itself is a loop with no end
// condition; here it is bounded (100,000) so that a teardown that keeps
// draining fails this test instead of hanging it.
TEST(Reactor, TeardownEndsWhenEveryDroppedCallbackAddsAnother) {
  Pipe pipe;
  int ran = 0;
  std::vector<bool> destroyed_at_once;
  auto start = std::chrono::steady_clock::now();
  {
    Reactor r(ClockMode::virtual_time);
    r.call_after(1s, AddsWorkWhenDestroyed(&r, pipe.read_end(), 1000, &ran, &destroyed_at_once));
    r.post(AddsWorkWhenDestroyed(&r, pipe.read_end(), 1000, &ran, &destroyed_at_once));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(destroyed_at_once.size(), 2002u);
  EXPECT_EQ(std::count(destroyed_at_once.begin(), destroyed_at_once.end(), false), 0);
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

TEST(Reactor, TearingDownIsTrueOnlyInsideTheDestructor) {
  bool during = false;
  {
    Reactor r(ClockMode::virtual_time);
    struct Asks {
      bool* during;
      explicit Asks(bool* d) : during(d) {}
      Asks(Asks&& o) noexcept : during(std::exchange(o.during, nullptr)) {}
      ~Asks() {
        if (during) *during = evo::reactor_tearing_down();
      }
      void operator()() {}
    };
    r.post(Asks(&during));
    EXPECT_FALSE(evo::reactor_tearing_down());
  }
  EXPECT_TRUE(during);
  EXPECT_FALSE(evo::reactor_tearing_down());
}

// A callback dropped unrun (cancelled, unwatched, or done running) is
// destroyed under its own label, so what its destructor does (a broken
// promise running a continuation) is charged to the task it belongs to.
struct NotesLabelWhenDestroyed {
  Reactor* reactor;
  std::string* label;
  NotesLabelWhenDestroyed(Reactor* r, std::string* l) : reactor(r), label(l) {}
  NotesLabelWhenDestroyed(NotesLabelWhenDestroyed&& o) noexcept
      : reactor(std::exchange(o.reactor, nullptr)), label(o.label) {}
  ~NotesLabelWhenDestroyed() {
    if (reactor) *label = reactor->current_label();
  }
  void operator()() {}
};

TEST(Reactor, ACallbackIsDestroyedUnderItsOwnLabelOnEveryDropPath) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  std::string cancelled, unwatched, ran, threw;
  TimerId timer{};
  r.spawn("Task A", [&] {
    timer = r.call_after(1s, NotesLabelWhenDestroyed(&r, &cancelled));
    r.watch(pipe.read_end(), Interest::readable, NotesLabelWhenDestroyed(&r, &unwatched));
    r.post(NotesLabelWhenDestroyed(&r, &ran));
  });
  r.spawn("Task B", [&] {
    r.cancel(timer);
    r.unwatch(pipe.read_end());
  });
  r.run();
  EXPECT_EQ(cancelled, "Task A");
  EXPECT_EQ(unwatched, "Task A");
  EXPECT_EQ(ran, "Task A");

  struct Throws : NotesLabelWhenDestroyed {
    using NotesLabelWhenDestroyed::NotesLabelWhenDestroyed;
    void operator()() { throw std::runtime_error("boom"); }
  };
  r.spawn("Task C", Throws(&r, &threw));
  EXPECT_THROW(r.run(), std::runtime_error);
  EXPECT_EQ(threw, "Task C");
}

TEST(Reactor, RunFromInsideACallbackThrowsAndTheLoopCarriesOn) {
  Reactor r(ClockMode::virtual_time);
  bool threw = false, later_ran = false;
  r.post([&] {
    try {
      r.run();  // "wait here for the result": the reflex this refuses
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  r.post([&] { later_ran = true; });
  r.run();
  EXPECT_TRUE(threw);
  EXPECT_TRUE(later_ran);
}

TEST(Reactor, ATimerArmedForeverNeverFiresAndDoesNotOverflow) {
  Reactor r(ClockMode::virtual_time);
  bool fired = false;
  r.call_after(1s, [&] {
    TimerId never = r.call_after(evo::Duration::max(), [&] { fired = true; });
    r.call_after(1s, [&r, never] { r.cancel(never); });
  });
  r.run();
  EXPECT_FALSE(fired);
  EXPECT_EQ(r.now(), 2s);
}

}  // namespace
