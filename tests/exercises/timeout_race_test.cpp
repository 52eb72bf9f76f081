// Checks the timeout_race exercise against its contract
// (stage2_futures/exercises/timeout_race.hpp).
#include "stage2_futures/exercises/timeout_race.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "common/reactor.hpp"
#include "common/trace.hpp"
#include "stage2_futures/from_callbacks.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;
using stage2::Future;
using stage2::Promise;

// What the caller saw: how many completions, the last one, and when.
struct Outcome {
  int calls = 0;
  std::error_code error;
  int value = 0;
  Duration at{};
};

void watch(Future<int> future, Reactor& reactor, Outcome& outcome) {
  ASSERT_TRUE(future.valid()) << "within must return a future";
  std::move(future).on_complete([&reactor, &outcome](std::error_code ec, int value) {
    ++outcome.calls;
    outcome.error = ec;
    outcome.value = value;
    outcome.at = reactor.now();
  });
}

// A future that completes with `value` after `delay`, on the loop.
Future<int> value_after(Reactor& reactor, Duration delay, int value) {
  return stage2::sleep_for(reactor, delay).then([value] { return value; });
}

class TimeoutRace : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(stage2::live_states(), 0u)
        << "a future's shared state outlived the run: the race state was not freed";
    EXPECT_EQ(live_handlers(), 0u) << "a callback outlived the run";
  }
};

TEST_F(TimeoutRace, GivesTheValueWhenItComesFirst) {
  Reactor reactor(ClockMode::virtual_time);
  Outcome outcome;
  watch(within(reactor, value_after(reactor, 1s, 7), 5s), reactor, outcome);
  EXPECT_EQ(outcome.calls, 0) << "within returns at once; the answer comes from the loop";
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "the caller hears back exactly once";
  EXPECT_FALSE(outcome.error) << outcome.error.message();
  EXPECT_EQ(outcome.value, 7);
  EXPECT_EQ(outcome.at, 1s) << "the value is passed on as soon as it arrives";
  EXPECT_EQ(reactor.now(), 1s)
      << "once the value has won, cancel the deadline's timer: the loop must not wait 5 s for it";
}

TEST_F(TimeoutRace, TheDeadlineIsAReactorTimerThatAWinningValueCancels) {
  Reactor reactor(ClockMode::virtual_time);
  Recorder recorder;
  reactor.set_observer(&recorder);
  Outcome outcome;
  watch(within(reactor, value_after(reactor, 1s, 7), 5s), reactor, outcome);
  reactor.run();
  std::optional<std::uint64_t> deadline;
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::timer_armed && e.duration == 5s) deadline = e.id;
  }
  ASSERT_TRUE(deadline) << "the deadline must be a timer on the reactor (call_after), armed for "
                           "the timeout: not a sleeping thread";
  bool cancelled = false, fired = false;
  for (const auto& e : recorder.entries()) {
    if (e.id != *deadline) continue;
    cancelled |= e.kind == EventKind::timer_cancelled;
    fired |= e.kind == EventKind::timer_fired;
  }
  EXPECT_TRUE(cancelled) << "the value won, so the deadline's timer is cancelled";
  EXPECT_FALSE(fired);
}

TEST_F(TimeoutRace, PassesOnAnErrorThatComesFirst) {
  Reactor reactor(ClockMode::virtual_time);
  Promise<int> promise;
  Outcome outcome;
  watch(within(reactor, promise.get_future(), 5s), reactor, outcome);
  reactor.call_after(1s, [&] { promise.set_error(errc::user_not_found); });
  reactor.run();
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.error, errc::user_not_found)
      << "an error that beats the deadline is the answer";
  EXPECT_EQ(outcome.at, 1s);
  EXPECT_EQ(reactor.now(), 1s)
      << "the deadline's timer is cancelled: the loop does not wait for it";
}

TEST_F(TimeoutRace, GivesTimeoutAtTheDeadlineAndDropsTheLateValue) {
  Reactor reactor(ClockMode::virtual_time);
  Outcome outcome;
  watch(within(reactor, value_after(reactor, 3s, 7), 1s), reactor, outcome);
  reactor.run();
  ASSERT_EQ(outcome.calls, 1)
      << "the late value (at 3 s) must be dropped: the caller already got errc::timeout";
  EXPECT_EQ(outcome.error, errc::timeout);
  EXPECT_EQ(outcome.at, 1s) << "errc::timeout comes at the deadline, not when the value shows up";
}

TEST_F(TimeoutRace, AnswersAtTheDeadlineWhenTheFutureNeverCompletes) {
  Reactor reactor(ClockMode::virtual_time);
  Outcome outcome;
  {
    Promise<int> never;
    watch(within(reactor, never.get_future(), 2s), reactor, outcome);
    reactor.run();
    ASSERT_EQ(outcome.calls, 1) << "with nothing else to do, the loop still runs the deadline";
    EXPECT_EQ(outcome.error, errc::timeout);
    EXPECT_EQ(outcome.at, 2s);
  }  // the promise goes away now: its errc::broken_promise is late, and dropped
  EXPECT_EQ(outcome.calls, 1) << "what arrives after the deadline is dropped";
  EXPECT_EQ(outcome.error, errc::timeout);
}

TEST_F(TimeoutRace, AReadyFutureWinsWithoutWaiting) {
  Reactor reactor(ClockMode::virtual_time);
  Outcome outcome;
  watch(within(reactor, stage2::make_ready_future(3), 1s), reactor, outcome);
  reactor.run();
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_FALSE(outcome.error) << outcome.error.message();
  EXPECT_EQ(outcome.value, 3);
  EXPECT_EQ(reactor.now(), 0s) << "the value was there from the start: no deadline to wait for";
}

// Last: completing a promise twice is a bug the library asserts on, which
// stops the whole test binary.
TEST_F(TimeoutRace, ALateValueInTheSameTurnAsTheDeadlineIsDropped) {
  Reactor reactor(ClockMode::virtual_time);
  Promise<int> promise;
  Outcome outcome;
  watch(within(reactor, promise.get_future(), 1s), reactor, outcome);
  // Armed after the deadline, due at the same time: the deadline runs first.
  reactor.call_after(1s, [&] { promise.set_value(7); });
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "the deadline decided the race; the value after it is dropped";
  EXPECT_EQ(outcome.error, errc::timeout);
}

TEST_F(TimeoutRace, CompletesOnceWhenTheValueAndTheDeadlineLandTogether) {
  Reactor reactor(ClockMode::virtual_time);
  Outcome outcome;
  // Both due at 1 s: the value's timer is armed first, so it runs first, and
  // the deadline's timer has already fired by then: too late to cancel it.
  watch(within(reactor, value_after(reactor, 1s, 7), 1s), reactor, outcome);
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "one race, one winner: the loser must see the race decided, even "
                                 "when its timer could no longer be cancelled";
  EXPECT_TRUE((!outcome.error && outcome.value == 7) || outcome.error == errc::timeout)
      << "either the value or errc::timeout, not " << outcome.error.message();
}

}  // namespace
}  // namespace evo::exercises
