// Checks the cancel_safe_timeout exercise against its contract
// (stage3_coroutines/exercises/cancel_safe_timeout.hpp). Run it under ASan
// too: resuming a freed frame is undefined behaviour, which a plain build may
// not notice.
#include "stage3_coroutines/exercises/cancel_safe_timeout.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/trace.hpp"
#include "stage3_coroutines/from_callbacks.hpp"
#include "tests/exercises/outcome.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;
using stage3::live_frames;

class CancelSafeTimeout : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_frames(), 0u) << "a coroutine frame is still alive after run(): the losing "
                                    "task must run to its end and be freed";
    EXPECT_EQ(live_handlers(), 0u) << "a callback was never called nor destroyed";
    EXPECT_EQ(reactor.pending(), 0u);
  }

  Task<int> sleeps(Duration d, int value) {
    co_await stage3::sleep_for(reactor, d);  // suspends
    ++ended;
    co_return value;
  }

  Task<int> sleeps_then_fails(Duration d) {
    co_await stage3::sleep_for(reactor, d);  // suspends
    ++ended;
    throw std::system_error(errc::profile_not_found);
  }

  Task<int> at_once(int value) {
    ++ended;
    co_return value;
  }

  // Awaits within(...) from a coroutine, as real code would, and keeps what
  // it ended with and when.
  void run(Task<int> task, Duration timeout) {
    stage3::start(within(reactor, std::move(task), timeout), [this](std::exception_ptr e, int v) {
      ++finished;
      finished_at = reactor.now();
      error = e;
      value = v;
    });
    reactor.run();
  }

  Reactor reactor{ClockMode::virtual_time};
  int ended = 0;
  int finished = 0;
  Duration finished_at{-1};
  std::exception_ptr error;
  int value = 0;
};

TEST_F(CancelSafeTimeout, GivesTheValueWhenTheTaskFinishesFirst) {
  run(sleeps(1s, 9), 5s);
  ASSERT_EQ(finished, 1) << "the result must arrive exactly once";
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(value, 9);
  EXPECT_EQ(finished_at, 1s) << "the value arrives when the task finishes";
}

TEST_F(CancelSafeTimeout, CancelsTheTimerWhenTheTaskWins) {
  run(sleeps(1s, 9), 5s);
  ASSERT_EQ(finished, 1) << describe(error);
  EXPECT_EQ(reactor.now(), 1s) << "the loop ran on to the 5 s deadline: a timer that lost "
                                  "must be cancelled (Reactor::cancel), not left to fire";
  EXPECT_GE(reactor.stats().timers_cancelled, 1u) << "the deadline's timer was never cancelled";
}

TEST_F(CancelSafeTimeout, ThrowsTimeoutAtTheDeadline) {
  run(sleeps(2s, 9), 1s);
  ASSERT_EQ(finished, 1) << "the result must arrive exactly once";
  ASSERT_TRUE(error) << "the task took 2 s against a 1 s timeout: within must throw, but it "
                        "gave the value "
                     << value;
  EXPECT_EQ(code_of(error), errc::timeout) << describe(error);
  EXPECT_EQ(finished_at, 1s) << "the timeout comes at the deadline, not when the task ends";
}

TEST_F(CancelSafeTimeout, ArmsATimerForTheDeadline) {
  Recorder recorder;
  reactor.set_observer(&recorder);
  run(sleeps(2s, 9), 750ms);
  ASSERT_EQ(finished, 1) << describe(error);
  bool armed = false;
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::timer_armed && e.time == 0s && e.duration == 750ms) armed = true;
  }
  EXPECT_TRUE(armed) << "the deadline must be a reactor timer of 750 ms, armed at the start";
}

TEST_F(CancelSafeTimeout, TheLoserRunsToItsEndAndIsFreed) {
  run(sleeps(2s, 9), 1s);
  EXPECT_EQ(ended, 1) << "the task that lost the race must still run to its end";
  EXPECT_EQ(reactor.now(), 2s);
  EXPECT_EQ(finished, 1) << "its late value goes nowhere: the caller already had the timeout";
  EXPECT_EQ(code_of(error), errc::timeout) << describe(error);
  // TearDown checks its frame was freed.
}

TEST_F(CancelSafeTimeout, ALateFailureIsDroppedSafely) {
  run(sleeps_then_fails(2s), 1s);
  EXPECT_EQ(finished, 1) << "the loser's error must not reach the caller a second time";
  EXPECT_EQ(code_of(error), errc::timeout) << describe(error);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(reactor.now(), 2s);
}

TEST_F(CancelSafeTimeout, PassesOnTheTasksErrorWhenItFailsFirst) {
  run(sleeps_then_fails(1s), 5s);
  ASSERT_EQ(finished, 1);
  EXPECT_EQ(code_of(error), errc::profile_not_found)
      << "the task failed before the deadline: its own error, got: " << describe(error);
  EXPECT_EQ(finished_at, 1s);
  EXPECT_EQ(reactor.now(), 1s) << "the timer that lost must be cancelled";
}

TEST_F(CancelSafeTimeout, ATaskThatFinishesAtOnceWins) {
  run(at_once(4), 1s);
  ASSERT_EQ(finished, 1) << describe(error);
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(value, 4);
  EXPECT_EQ(reactor.now(), 0s) << "no timer may keep the loop going";
}

TEST_F(CancelSafeTimeout, TheCallerCarriesOnAfterATimeoutWhileTheLoserEnds) {
  // The caller catches the timeout and keeps working, suspended elsewhere,
  // when the loser finishes at 2 s: nothing may resume it then.
  int resumed_after_timeout = 0;
  int timeouts = 0;
  auto caller = [&]() -> Task<int> {
    try {
      co_await within(reactor, sleeps(2s, 9), 1s);
    } catch (const std::system_error& e) {
      if (e.code() == errc::timeout) ++timeouts;
    }
    ++resumed_after_timeout;
    co_await stage3::sleep_for(reactor, 3s);  // suspends, across the loser's end
    co_return 1;
  };
  stage3::start(caller(), [&](std::exception_ptr e, int) {
    ++finished;
    error = e;
  });
  reactor.run();
  EXPECT_EQ(timeouts, 1) << "the caller must get exactly one timeout";
  EXPECT_EQ(resumed_after_timeout, 1) << "the caller was resumed more than once";
  EXPECT_EQ(finished, 1);
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(reactor.now(), 4s);
}

TEST_F(CancelSafeTimeout, RacesOnOneLoopDoNotMix) {
  std::vector<std::string> outcomes(2);
  auto race = [&](std::size_t i, Duration task, Duration timeout) -> Task<void> {
    try {
      int v = co_await within(reactor, sleeps(task, static_cast<int>(i) + 1), timeout);
      outcomes[i] = "value " + std::to_string(v);
    } catch (const std::system_error& e) {
      outcomes[i] = e.code() == errc::timeout ? "timeout" : "other error";
    }
  };
  stage3::start(race(0, 3s, 1s), [](std::exception_ptr, std::monostate) {});
  stage3::start(race(1, 2s, 4s), [](std::exception_ptr, std::monostate) {});
  reactor.run();
  EXPECT_EQ(outcomes, (std::vector<std::string>{"timeout", "value 2"}))
      << "each within has its own race: one timing out must not decide the other";
  EXPECT_EQ(ended, 2);
  EXPECT_EQ(reactor.now(), 3s);
}

}  // namespace
}  // namespace evo::exercises
