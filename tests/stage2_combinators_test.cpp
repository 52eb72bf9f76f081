#include "stage2_futures/combinators.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <tuple>
#include <vector>

#include "common/services.hpp"
#include "stage2_futures/from_callbacks.hpp"
#include "tests/stack_span.hpp"

namespace evo::stage2 {
namespace {

using namespace std::chrono_literals;

using test::flat_stack;
using test::StackSpan;

class CombinatorsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_states(), 0u) << "a future's shared state leaked";
    EXPECT_EQ(live_handlers(), 0u);
  }
};

TEST_F(CombinatorsTest, WhenAllKeepsInputOrderWhateverTheCompletionOrder) {
  std::vector<Promise<int>> promises(3);
  std::vector<Future<int>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  std::vector<int> seen;
  when_all(std::move(futures)).then([&](std::vector<int> all) { seen = all; });
  promises[2].set_value(30);
  promises[0].set_value(10);
  EXPECT_TRUE(seen.empty());
  promises[1].set_value(20);
  EXPECT_EQ(seen, (std::vector<int>{10, 20, 30}));
}

TEST_F(CombinatorsTest, WhenAllFailsOnTheFirstErrorAndOnlyOnce) {
  std::vector<Promise<int>> promises(3);
  std::vector<Future<int>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  int calls = 0;
  std::error_code seen;
  when_all(std::move(futures)).on_complete([&](std::error_code ec, std::vector<int>) {
    ++calls;
    seen = ec;
  });
  promises[1].set_error(errc::profile_not_found);
  EXPECT_EQ(calls, 1) << "the first error answers at once";
  promises[0].set_error(errc::user_not_found);
  promises[2].set_value(3);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, errc::profile_not_found);
}

TEST_F(CombinatorsTest, WhenAllOfNothingIsReady) {
  EXPECT_TRUE(when_all(std::vector<Future<int>>{}).is_ready());
}

// Parity with stage 3, whose when_all over Task<void>s is a Task<void>.
TEST_F(CombinatorsTest, WhenAllOfVoidFuturesIsAVoidFutureThatWaitsForAll) {
  std::vector<Promise<void>> promises(3);
  std::vector<Future<void>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  Future<void> all = when_all(std::move(futures));
  int calls = 0;
  std::move(all).on_complete([&](std::error_code ec, std::monostate) {
    EXPECT_FALSE(ec) << ec.message();
    ++calls;
  });
  promises[2].set_value();
  promises[0].set_value();
  EXPECT_EQ(calls, 0) << "one of the three is still running";
  promises[1].set_value();
  EXPECT_EQ(calls, 1);
}

TEST_F(CombinatorsTest, WhenAllOfVoidFuturesFailsOnTheFirstError) {
  std::vector<Promise<void>> promises(2);
  std::vector<Future<void>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  std::error_code seen;
  int calls = 0;
  when_all(std::move(futures)).on_complete([&](std::error_code ec, std::monostate) {
    ++calls;
    seen = ec;
  });
  promises[0].set_error(errc::timeout);
  promises[1].set_value();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, errc::timeout);
}

TEST_F(CombinatorsTest, VariadicWhenAllGivesATuple) {
  Promise<int> a;
  Promise<std::string> b;
  std::tuple<int, std::string> seen;
  when_all(a.get_future(), b.get_future()).then([&](std::tuple<int, std::string> t) { seen = t; });
  b.set_value("b");
  a.set_value(1);
  EXPECT_EQ(seen, std::make_tuple(1, std::string("b")));
}

TEST_F(CombinatorsTest, VariadicWhenAllFailsOnTheFirstError) {
  Promise<int> a;
  Promise<std::string> b;
  std::error_code seen;
  when_all(a.get_future(), b.get_future())
      .on_complete([&](std::error_code ec, std::tuple<int, std::string>) { seen = ec; });
  a.set_error(errc::timeout);
  b.set_value("late");
  EXPECT_EQ(seen, errc::timeout);
}

TEST_F(CombinatorsTest, WithTimeoutGivesTimeoutAndDropsTheLateValue) {
  Reactor reactor(ClockMode::virtual_time);
  Promise<int> slow;
  Future<int> future = slow.get_future();
  reactor.call_after(2s, [&] { slow.set_value(1); });
  int calls = 0;
  std::error_code seen;
  Duration at{};
  with_timeout(reactor, std::move(future), 1s).on_complete([&](std::error_code ec, int) {
    ++calls;
    seen = ec;
    at = reactor.now();
  });
  reactor.run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, errc::timeout);
  EXPECT_EQ(at, 1s);
}

TEST_F(CombinatorsTest, WithTimeoutCancelsTheTimerWhenTheValueWins) {
  Reactor reactor(ClockMode::virtual_time);
  int seen = 0;
  with_timeout(reactor, sleep_for(reactor, 1s).then([] { return 7; }), 5s).then([&](int v) {
    seen = v;
  });
  reactor.run();
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(reactor.now(), 1s) << "the 5 s timer was cancelled, so the loop did not wait for it";
  EXPECT_EQ(reactor.stats().timers_cancelled, 1u);
}

TEST_F(CombinatorsTest, SpawnRunsTheWorkUnderItsOwnLabel) {
  Reactor reactor(ClockMode::virtual_time);
  std::string label;
  int seen = 0;
  spawn(reactor, "worker", [&] {
    label = reactor.current_label();
    return make_ready_future(5);
  }).then([&](int v) { seen = v; });
  EXPECT_EQ(seen, 0) << "spawn only queues the work";
  reactor.run();
  EXPECT_EQ(label, "worker");
  EXPECT_EQ(seen, 5);
}

TEST_F(CombinatorsTest, ASpawnWhoseWorkThrowsRunsNothingWithBrokenPromise) {
  Reactor reactor(ClockMode::virtual_time);
  std::vector<std::error_code> heard;
  spawn(reactor, "worker", []() -> Future<int> {
    throw std::runtime_error("refused");
  }).on_complete([&](std::error_code ec, int) { heard.push_back(ec); });
  EXPECT_THROW(reactor.run(), std::runtime_error);
  EXPECT_TRUE(heard.empty()) << "the spawner heard " << heard.front().message()
                             << " while the exception left run()";
}

// The loops. Each test checks, at every step, how many shared states are
// alive: a loop in constant memory keeps that number from growing.
constexpr int iterations = 1'000'000;

TEST_F(CombinatorsTest, RepeatRunsAMillionImmediateStepsInConstantStackAndMemory) {
  int count = 0;
  std::size_t most_states = 0;
  StackSpan stack;
  bool done = false;
  repeat([&] {
    stack.note();
    most_states = std::max(most_states, live_states());
    return make_ready_future(++count == iterations ? Repeat::stop : Repeat::again);
  }).then([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_EQ(count, iterations);
  EXPECT_LE(most_states, 4u);
  EXPECT_LT(stack.bytes(), flat_stack);
}

TEST_F(CombinatorsTest, RepeatRunsAMillionStepsThroughTheReactorInConstantStackAndMemory) {
  Reactor reactor(ClockMode::virtual_time);
  int count = 0;
  std::size_t most_states = 0;
  StackSpan stack;
  bool done = false;
  repeat([&] {
    stack.note();
    most_states = std::max(most_states, live_states());
    return sleep_for(reactor, 0s).then([&] {  // suspends
      return ++count == iterations ? Repeat::stop : Repeat::again;
    });
  }).then([&] { done = true; });
  EXPECT_EQ(count, 0) << "the first step waits for the loop";
  reactor.run();
  EXPECT_TRUE(done);
  EXPECT_EQ(count, iterations);
  EXPECT_LE(most_states, 4u);
  EXPECT_LT(stack.bytes(), flat_stack);
}

TEST_F(CombinatorsTest, RepeatEndsWithTheFirstErrorOfAStep) {
  int steps = 0;
  std::error_code seen;
  repeat([&] {
    return ++steps == 3 ? make_error_future<Repeat>(errc::timeout)
                        : make_ready_future(Repeat::again);
  }).on_complete([&](std::error_code ec, std::monostate) { seen = ec; });
  EXPECT_EQ(steps, 3);
  EXPECT_EQ(seen, errc::timeout);
}

TEST_F(CombinatorsTest, DoUntilAsksBeforeEveryStep) {
  int steps = 0;
  bool done = false;
  do_until([&] { return steps == 0; }, [&] { return ++steps, make_ready_future(); }).then([&] {
    done = true;
  });
  EXPECT_TRUE(done);
  EXPECT_EQ(steps, 0) << "stop() said true before the first step";
}

TEST_F(CombinatorsTest, DoUntilRunsAMillionStepsThroughTheReactorInConstantMemory) {
  Reactor reactor(ClockMode::virtual_time);
  int count = 0;
  std::size_t most_states = 0;
  StackSpan stack;
  do_until([&] { return count == iterations; },
           [&] {
             stack.note();
             most_states = std::max(most_states, live_states());
             ++count;
             return sleep_for(reactor, 0s);  // suspends
           });
  reactor.run();
  EXPECT_EQ(count, iterations);
  EXPECT_LE(most_states, 4u);
  EXPECT_LT(stack.bytes(), flat_stack);
}

// The same loop as then() recursion: the stack stays flat (the trampoline),
// but every iteration's state stays alive until the last step.
Future<void> count_by_recursion(Reactor& reactor, int& count, int to, std::size_t& most_states) {
  most_states = std::max(most_states, live_states());
  if (++count == to) return make_ready_future();
  return sleep_for(reactor, 0s).then([&reactor, &count, to, &most_states] {  // suspends
    return count_by_recursion(reactor, count, to, most_states);
  });
}

TEST_F(CombinatorsTest, ThenRecursionKeepsAStatePerIteration) {
  Reactor reactor(ClockMode::virtual_time);
  int count = 0;
  std::size_t most_states = 0;
  count_by_recursion(reactor, count, 1000, most_states);
  reactor.run();
  EXPECT_EQ(count, 1000);
  EXPECT_GE(most_states, 1000u) << "each iteration waits on the next one";
}

TEST_F(CombinatorsTest, AReactorDestroyedUnderARepeatEndsAndRunsNothingMore) {
  int steps = 0;
  bool finished = false;
  {
    Reactor reactor(ClockMode::virtual_time);
    repeat([&] {
      ++steps;
      return sleep_for(reactor, 1s).then([] { return Repeat::again; });  // suspends
    }).on_complete([&](std::error_code, std::monostate) { finished = true; });
  }
  EXPECT_EQ(steps, 1);
  EXPECT_FALSE(finished);
}

// Cancellation: the futures below come from the services, started with a
// token of the ChildStops the combinator is given, so it can stop them.
TEST_F(CombinatorsTest, WhenAllStopsTheOthersOnTheFirstError) {
  Reactor reactor(ClockMode::virtual_time);
  ServiceConfig config;
  config.failing_users = {1};
  Services services(reactor, config);  // the user fails at 200 ms; profiles take 300 ms
  auto children = std::make_shared<ChildStops>(3, std::stop_token());
  std::vector<Future<int>> futures;
  futures.push_back(make_future<User>([&](Handler<User> handler) {
                      services.fetch_user(1, std::move(handler), children->token(0));
                    }).then([](User user) { return static_cast<int>(user.id); }));
  for (std::size_t i : {1u, 2u}) {
    futures.push_back(make_future<Profile>([&, i](Handler<Profile> handler) {
                        services.fetch_profile(2, std::move(handler), children->token(i));
                      }).then([](Profile profile) { return static_cast<int>(profile.user_id); }));
  }
  std::error_code seen;
  when_all(std::move(futures), std::move(children))
      .on_complete([&](std::error_code ec, std::vector<int>) { seen = ec; });
  reactor.run();
  EXPECT_EQ(seen, errc::user_not_found);
  EXPECT_EQ(reactor.now(), 200ms) << "the profile fetches were stopped at the failure";
  EXPECT_EQ(reactor.stats().timers_cancelled, 2u);
}

TEST_F(CombinatorsTest, WhenAllStopsTheOthersBeforeItAnswers) {
  Reactor reactor(ClockMode::virtual_time);
  auto children = std::make_shared<ChildStops>(2, std::stop_token());
  Promise<int> failing;
  std::vector<Future<int>> futures;
  futures.push_back(failing.get_future());
  futures.push_back(sleep_for(reactor, 5s).then([] { return 1; }));
  bool stopped_before_answer = false;
  std::stop_token other = children->token(1);
  when_all(std::move(futures), std::move(children))
      .on_complete([&](std::error_code, std::vector<int>) {
        stopped_before_answer = other.stop_requested();
      });
  reactor.call_after(1s, [&] { failing.set_error(errc::bad_response); });
  reactor.run();
  EXPECT_TRUE(stopped_before_answer);
}

TEST_F(CombinatorsTest, WithTimeoutStopsTheLoserAtTheDeadline) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, ServiceConfig{});  // a user answers after 200 ms
  auto loser = std::make_shared<ChildStops>(1, std::stop_token());
  Future<User> fetch = make_future<User>(
      [&](Handler<User> handler) { services.fetch_user(7, std::move(handler), loser->token(0)); });
  std::error_code seen;
  with_timeout(reactor, std::move(fetch), 50ms, std::move(loser))
      .on_complete([&](std::error_code ec, User) { seen = ec; });
  reactor.run();
  EXPECT_EQ(seen, errc::timeout);
  EXPECT_EQ(reactor.now(), 50ms) << "the fetch's timer was cancelled at the deadline";
  EXPECT_EQ(reactor.stats().timers_cancelled, 1u);
}

TEST_F(CombinatorsTest, StoppingAThenChainCancelsTheOperationPendingNow) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, ServiceConfig{});  // 200 ms for a user, 300 ms for a profile
  std::stop_source stop;
  std::stop_token token = stop.get_token();
  std::error_code seen;
  make_future<User>([&](Handler<User> h) { services.fetch_user(7, std::move(h), token); })
      .then([&](User user) {  // the second fetch takes the same token
        return make_future<Profile>(
            [&](Handler<Profile> h) { services.fetch_profile(user.id, std::move(h), token); });
      })
      .on_complete([&](std::error_code ec, Profile) { seen = ec; });
  reactor.call_after(300ms, [&] { stop.request_stop(); });  // during the profile fetch
  reactor.run();
  EXPECT_EQ(seen, errc::cancelled);
  EXPECT_EQ(reactor.now(), 300ms);
  EXPECT_EQ(reactor.stats().timers_cancelled, 1u);
}

}  // namespace
}  // namespace evo::stage2
