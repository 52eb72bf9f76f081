// Checks the when_all_by_hand exercise against its contract
// (stage2_futures/exercises/when_all_by_hand.hpp).
#include "stage2_futures/exercises/when_all_by_hand.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "common/reactor.hpp"
#include "common/trace.hpp"
#include "stage2_futures/from_callbacks.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;
using stage2::Future;
using stage2::Promise;

// What the caller saw: how many completions, and the last one.
struct Outcome {
  int calls = 0;
  std::error_code error;
  std::vector<int> values;
};

void watch(Future<std::vector<int>> future, Outcome& outcome) {
  ASSERT_TRUE(future.valid()) << "all_of must return a future tied to the inputs";
  std::move(future).on_complete([&outcome](std::error_code ec, std::vector<int> values) {
    ++outcome.calls;
    outcome.error = ec;
    outcome.values = std::move(values);
  });
}

std::vector<Future<int>> futures_of(std::vector<Promise<int>>& promises) {
  std::vector<Future<int>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  return futures;
}

class WhenAllByHand : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(stage2::live_states(), 0u)
        << "a future's shared state outlived every input: something keeps a promise alive";
    EXPECT_EQ(live_handlers(), 0u) << "a callback outlived every input";
  }
};

TEST_F(WhenAllByHand, KeepsInputOrderWhateverTheArrivalOrder) {
  std::vector<Promise<int>> promises(4);
  Outcome outcome;
  watch(all_of(futures_of(promises)), outcome);
  promises[2].set_value(30);
  promises[0].set_value(10);
  promises[3].set_value(40);
  EXPECT_EQ(outcome.calls, 0) << "three of four values are in: it must wait for the last one";
  promises[1].set_value(20);
  ASSERT_EQ(outcome.calls, 1) << "all four values are in: the caller hears back, once";
  EXPECT_FALSE(outcome.error) << outcome.error.message();
  EXPECT_EQ(outcome.values, (std::vector<int>{10, 20, 30, 40}))
      << "values go in INPUT order, not in the order they arrived";
}

TEST_F(WhenAllByHand, KeepsZerosAndRepeatedValues) {
  std::vector<Promise<int>> promises(3);
  Outcome outcome;
  watch(all_of(futures_of(promises)), outcome);
  promises[1].set_value(0);
  promises[2].set_value(7);
  promises[0].set_value(7);
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.values, (std::vector<int>{7, 0, 7}))
      << "count the arrivals: a value of 0 is a value, not a missing one";
}

TEST_F(WhenAllByHand, FailsAsSoonAsTheFirstErrorArrives) {
  std::vector<Promise<int>> promises(3);
  Outcome outcome;
  watch(all_of(futures_of(promises)), outcome);
  promises[2].set_error(errc::profile_not_found);
  ASSERT_EQ(outcome.calls, 1)
      << "the first error answers at once, without waiting for the futures still pending";
  EXPECT_EQ(outcome.error, errc::profile_not_found);
}

TEST_F(WhenAllByHand, ABrokenPromiseIsAnError) {
  Outcome outcome;
  {
    std::vector<Promise<int>> promises(2);
    watch(all_of(futures_of(promises)), outcome);
    promises[0].set_value(1);
  }  // promises[1] is destroyed without a value
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.error, errc::broken_promise);
}

TEST_F(WhenAllByHand, EmptyInputIsReadyAtOnce) {
  Future<std::vector<int>> future = all_of({});
  ASSERT_TRUE(future.valid());
  EXPECT_TRUE(future.is_ready())
      << "nothing to wait for: the future is ready before all_of returns";
  Outcome outcome;
  watch(std::move(future), outcome);
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_FALSE(outcome.error) << outcome.error.message();
  EXPECT_TRUE(outcome.values.empty());
}

TEST_F(WhenAllByHand, InputsThatAreAlreadyReadyGiveAReadyResult) {
  std::vector<Future<int>> futures;
  futures.push_back(stage2::make_ready_future(1));
  futures.push_back(stage2::make_ready_future(2));
  Future<std::vector<int>> future = all_of(std::move(futures));
  EXPECT_TRUE(future.is_ready()) << "on_complete on a ready future runs at once";
  Outcome outcome;
  watch(std::move(future), outcome);
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.values, (std::vector<int>{1, 2}));
}

// On the reactor: the inputs are in flight together, so the join takes the
// longest one, not the sum.
TEST_F(WhenAllByHand, OnTheLoopItTakesTheSlowestNotTheSum) {
  Reactor reactor(ClockMode::virtual_time);
  std::vector<Future<int>> futures;
  futures.push_back(stage2::sleep_for(reactor, 3s).then([] { return 3; }));
  futures.push_back(stage2::sleep_for(reactor, 1s).then([] { return 1; }));
  futures.push_back(stage2::sleep_for(reactor, 2s).then([] { return 2; }));
  Outcome outcome;
  Duration at{};
  all_of(std::move(futures)).on_complete([&](std::error_code ec, std::vector<int> values) {
    ++outcome.calls;
    outcome.error = ec;
    outcome.values = std::move(values);
    at = reactor.now();
  });
  EXPECT_EQ(outcome.calls, 0) << "all_of returns at once; the values come from the loop";
  reactor.run();
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.values, (std::vector<int>{3, 1, 2}));
  EXPECT_EQ(at, 3s) << "the three waits overlap: 3 s, the slowest, not 6 s";
}

// Every input completing at once: twenty waits fire in one phase of the loop.
TEST_F(WhenAllByHand, ManyInputsCompletingTogetherAnswerOnceInOrder) {
  Reactor reactor(ClockMode::virtual_time);
  std::vector<Future<int>> futures;
  for (int i = 0; i < 20; ++i) {
    futures.push_back(stage2::sleep_for(reactor, 1s).then([i] { return i; }));
  }
  Outcome outcome;
  Duration at{};
  all_of(std::move(futures)).on_complete([&](std::error_code ec, std::vector<int> values) {
    ++outcome.calls;
    outcome.error = ec;
    outcome.values = std::move(values);
    at = reactor.now();
  });
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "twenty inputs completed in the same turn: one answer";
  EXPECT_FALSE(outcome.error) << outcome.error.message();
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i) expected[i] = i;
  EXPECT_EQ(outcome.values, expected);
  EXPECT_EQ(at, 1s);
}

// Last: a promise completed twice is a bug the library asserts on, which
// stops the whole test binary.
TEST_F(WhenAllByHand, DropsWhatArrivesAfterTheFirstError) {
  std::vector<Promise<int>> promises(4);
  Outcome outcome;
  watch(all_of(futures_of(promises)), outcome);
  promises[0].set_value(1);
  promises[3].set_error(errc::user_not_found);
  promises[1].set_error(errc::timeout);
  promises[2].set_value(3);
  EXPECT_EQ(outcome.calls, 1) << "the result is decided by the first error: later ones are dropped";
  EXPECT_EQ(outcome.error, errc::user_not_found) << "the FIRST error wins";
}

}  // namespace
}  // namespace evo::exercises
