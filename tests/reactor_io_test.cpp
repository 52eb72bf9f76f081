// Specifies common/reactor, part 2: the real and the virtual clock (how
// virtual time passes, busy or idle) and the fds, and how the two race.
#include "common/reactor.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

#include "tests/pipe.hpp"

namespace {

using namespace std::chrono_literals;
using evo::ClockMode;
using evo::EventKind;
using evo::Interest;
using evo::Reactor;
using evo::Recorder;
using evo::TimerId;
using evo::testing::Pipe;

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

// The reactor's clock starts when it is made, and a delay counts from its
// now(): so the wall time is measured from before the reactor exists (on a
// loaded machine, the time between the two would otherwise make it "early").
TEST(Reactor, RealClockWaitsForTheTimer) {
  auto start = std::chrono::steady_clock::now();
  Reactor r(ClockMode::real);
  EXPECT_EQ(r.clock(), ClockMode::real);
  bool ran = false;
  r.call_after(20ms, [&] { ran = true; });
  r.run();
  auto wall = std::chrono::steady_clock::now() - start;

  EXPECT_TRUE(ran);
  EXPECT_GE(wall, 20ms);
  EXPECT_GE(r.now(), 20ms);
  EXPECT_LT(wall, 2s);
}

// A deadline that has already passed needs no sleep system call, which would
// still cost a timer interrupt and a context switch (tens of microseconds on
// a virtual machine) per timer. The timers are armed from callbacks, as
// `co_await sleep_for(0s)` in a loop does: the deadline is the time call_after
// reads then, already past when the loop reaches its wait.
TEST(Reactor, RealClockDoesNotSleepForADeadlineThatHasPassed) {
  Reactor r(ClockMode::real);
  int fired = 0;
  std::function<void()> again = [&] {
    if (++fired < 3) r.call_after(fired == 1 ? 0ms : -1s, again);  // -1 s: "now"
  };
  r.post([&] { r.call_after(0ms, again); });
  r.run();

  EXPECT_EQ(fired, 3);
  EXPECT_EQ(r.stats().sleeps, 0u);
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
  auto start = std::chrono::steady_clock::now();  // before the reactor's clock starts
  Reactor r(ClockMode::real);
  Pipe pipe;
  bool readable = false;
  r.watch(pipe.read_end(), Interest::readable, [&] { readable = pipe.read_byte(); });
  r.call_after(20ms, [&] { pipe.write_byte(); });
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

TEST(Reactor, WatchingTheSameFdTwiceForTheSameInterestThrowsLogicError) {
  Reactor r(ClockMode::virtual_time);
  Pipe pipe;
  pipe.write_byte();
  int first = 0, second = 0;
  r.watch(pipe.read_end(), Interest::readable, [&] { ++first; });
  EXPECT_THROW(r.watch(pipe.read_end(), Interest::readable, [&] { ++second; }), std::logic_error);

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

}  // namespace
