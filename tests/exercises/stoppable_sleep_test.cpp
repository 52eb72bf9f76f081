// Checks the stoppable_sleep exercise against its contract
// (stage3_coroutines/exercises/stoppable_sleep.hpp).
#include "stage3_coroutines/exercises/stoppable_sleep.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <stop_token>
#include <system_error>

#include "common/errors.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;

class StoppableSleep : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(reactor.pending(), 0u);
    EXPECT_EQ(stage3::live_frames(), 0u) << "a coroutine frame leaked";
    EXPECT_EQ(live_handlers(), 0u) << "a handler leaked";
  }

  // Starts nap(delay) with the test's token; records how and when it ended.
  void start_nap(Duration delay) {
    stage3::start(
        nap(reactor, delay),
        [this](std::exception_ptr error, std::monostate) {
          ++ended;
          at = reactor.now();
          if (!error) return;
          try {
            std::rethrow_exception(error);
          } catch (const std::system_error& e) {
            code = e.code();
          }
        },
        stop.get_token());
  }

  Reactor reactor{ClockMode::virtual_time};
  std::stop_source stop;
  int ended = 0;
  Duration at{-1};
  std::error_code code;
};

TEST_F(StoppableSleep, UnstoppedItSleepsItsDelay) {
  start_nap(1s);
  reactor.run();
  EXPECT_EQ(ended, 1);
  EXPECT_FALSE(code);
  EXPECT_EQ(at, 1s);
}

TEST_F(StoppableSleep, AStopCancelsTheTimerAndTheAwaitThrowsCancelled) {
  start_nap(1s);
  reactor.call_after(300ms, [&] {
    stop.request_stop();
    EXPECT_EQ(ended, 1) << "the task ends inside request_stop()";
  });
  reactor.run();
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(code, errc::cancelled);
  EXPECT_EQ(at, 300ms);
  EXPECT_EQ(reactor.now(), 300ms) << "the sleep's timer must be cancelled";
  EXPECT_EQ(reactor.stats().timers_cancelled, 1u);
}

TEST_F(StoppableSleep, AStopBeforeTheStartAnswersFromTheLoop) {
  stop.request_stop();
  start_nap(1s);
  EXPECT_EQ(ended, 0) << "never inside the initiating call";
  reactor.run();
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(code, errc::cancelled);
  EXPECT_EQ(reactor.stats().timers_armed, 0u);
}

TEST_F(StoppableSleep, StoppingTwiceOrLateIsHarmless) {
  start_nap(1s);
  reactor.call_after(2s, [&] { stop.request_stop(); });  // after the end
  reactor.run();
  stop.request_stop();
  EXPECT_EQ(ended, 1);
  EXPECT_FALSE(code);
}

TEST_F(StoppableSleep, ADestroyedReactorTakesThePendingSleepWithIt) {
  {
    Reactor doomed(ClockMode::virtual_time);
    stage3::start(
        nap(doomed, 1s), [this](std::exception_ptr, std::monostate) { ++ended; }, stop.get_token());
  }
  stop.request_stop();  // the slot went with the sleep: nothing to run
  EXPECT_EQ(ended, 0);
}

}  // namespace
}  // namespace evo::exercises
