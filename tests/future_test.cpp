#include "stage2_futures/future.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/services.hpp"
#include "common/trace.hpp"
#include "stage2_futures/combinators.hpp"

namespace evo::stage2 {
namespace {

using namespace std::chrono_literals;

// Every test must leave no shared state behind.
class FutureTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_states(), 0u) << "a future's shared state leaked";
    EXPECT_EQ(live_handlers(), 0u);
  }
};

TEST_F(FutureTest, ThenRunsWhenThePromiseIsSetNotBefore) {
  Promise<int> promise;
  int seen = 0;
  promise.get_future().then([&](int v) { seen = v; });
  EXPECT_EQ(seen, 0);
  promise.set_value(42);
  EXPECT_EQ(seen, 42) << "the continuation runs inline, inside set_value";
}

TEST_F(FutureTest, ThenOnAReadyFutureRunsBeforeThenReturns) {
  bool ran = false;
  make_ready_future(1).then([&](int) { ran = true; });
  EXPECT_TRUE(ran);
}

TEST_F(FutureTest, ThenChainsAndTransformsValues) {
  Promise<int> promise;
  std::string seen;
  promise.get_future()
      .then([](int v) { return v * 2; })
      .then([](int v) { return std::to_string(v) + "!"; })
      .on_complete([&](std::error_code ec, std::string s) {
        EXPECT_FALSE(ec);
        seen = s;
      });
  promise.set_value(21);
  EXPECT_EQ(seen, "42!");
}

TEST_F(FutureTest, AContinuationReturningAFutureIsFlattened) {
  Promise<int> outer;
  Promise<std::string> inner;
  auto chained = outer.get_future().then([&](int) { return inner.get_future(); });
  static_assert(std::is_same_v<decltype(chained), Future<std::string>>,
                "then(f) with f returning Future<U> gives Future<U>, not Future<Future<U>>");
  std::string seen;
  std::move(chained).then([&](std::string s) { seen = s; });
  outer.set_value(1);
  EXPECT_EQ(seen, "") << "the chain waits for the inner future too";
  inner.set_value("inner");
  EXPECT_EQ(seen, "inner");
}

TEST_F(FutureTest, AnErrorSkipsThenUpToCatchError) {
  Promise<int> promise;
  int thens = 0;
  std::error_code caught;
  int final_value = 0;
  promise.get_future()
      .then([&](int v) { return ++thens, v; })
      .then([&](int v) { return ++thens, v; })
      .catch_error([&](std::error_code ec) {
        caught = ec;
        return -1;
      })
      .then([&](int v) { final_value = v; });
  promise.set_error(errc::user_not_found);
  EXPECT_EQ(thens, 0);
  EXPECT_EQ(caught, errc::user_not_found);
  EXPECT_EQ(final_value, -1) << "catch_error recovers, and the chain goes on";
}

TEST_F(FutureTest, CatchErrorLetsValuesThrough) {
  int seen = 0;
  bool caught = false;
  make_ready_future(5)
      .catch_error([&](std::error_code) { return caught = true, 0; })
      .then([&](int v) { seen = v; });
  EXPECT_FALSE(caught);
  EXPECT_EQ(seen, 5);
}

TEST_F(FutureTest, OnCompleteSeesTheErrorExactlyOnce) {
  Promise<int> promise;
  int calls = 0;
  promise.get_future().on_complete([&](std::error_code ec, int) {
    ++calls;
    EXPECT_EQ(ec, errc::timeout);
  });
  promise.set_error(errc::timeout);
  EXPECT_EQ(calls, 1);
}

TEST_F(FutureTest, ADroppedPromiseBreaksItsFuture) {
  std::error_code seen;
  {
    Promise<int> promise;
    promise.get_future().on_complete([&](std::error_code ec, int) { seen = ec; });
  }
  EXPECT_EQ(seen, errc::broken_promise);
}

TEST_F(FutureTest, DroppingEitherSideFreesTheState) {
  {
    Promise<int> promise;
    { Future<int> dropped = promise.get_future(); }
    EXPECT_EQ(live_states(), 1u);
    promise.set_value(1);  // nobody listens: fine
  }
  EXPECT_EQ(live_states(), 0u);
  {
    Future<int> future;
    {
      Promise<int> promise;
      future = promise.get_future();
    }
    EXPECT_TRUE(future.is_ready()) << "broken promise";
  }
}

TEST_F(FutureTest, FutureOfVoidChains) {
  Promise<void> promise;
  int step = 0;
  promise.get_future().then([&] { step = 1; }).then([&] { step = 2; });
  promise.set_value();
  EXPECT_EQ(step, 2);
}

TEST_F(FutureTest, WhenAllKeepsInputOrderWhateverTheCompletionOrder) {
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

TEST_F(FutureTest, WhenAllFailsOnTheFirstErrorAndOnlyOnce) {
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

TEST_F(FutureTest, WhenAllOfNothingIsReady) {
  EXPECT_TRUE(when_all(std::vector<Future<int>>{}).is_ready());
}

TEST_F(FutureTest, VariadicWhenAllGivesATuple) {
  Promise<int> a;
  Promise<std::string> b;
  std::tuple<int, std::string> seen;
  when_all(a.get_future(), b.get_future()).then([&](std::tuple<int, std::string> t) { seen = t; });
  b.set_value("b");
  a.set_value(1);
  EXPECT_EQ(seen, std::make_tuple(1, std::string("b")));
}

TEST_F(FutureTest, VariadicWhenAllFailsOnTheFirstError) {
  Promise<int> a;
  Promise<std::string> b;
  std::error_code seen;
  when_all(a.get_future(), b.get_future())
      .on_complete([&](std::error_code ec, std::tuple<int, std::string>) { seen = ec; });
  a.set_error(errc::timeout);
  b.set_value("late");
  EXPECT_EQ(seen, errc::timeout);
}

TEST_F(FutureTest, WithTimeoutGivesTimeoutAndDropsTheLateValue) {
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

TEST_F(FutureTest, WithTimeoutCancelsTheTimerWhenTheValueWins) {
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

TEST_F(FutureTest, ThenAddsNoReactorEvents) {
  // A chain of continuations is still one timer and one callback for the loop:
  // exactly what a stage-1 handler makes.
  auto events_of = [](auto start) {
    Reactor reactor(ClockMode::virtual_time);
    Recorder recorder;
    reactor.set_observer(&recorder);
    start(reactor);
    reactor.run();
    return recorder.lines();
  };
  auto with_callback = events_of([](Reactor& r) { r.call_after(1s, [&r] { r.log("done"); }); });
  auto with_future = events_of([](Reactor& r) {
    sleep_for(r, 1s).then([] { return 1; }).then([](int) {}).then([&r] { r.log("done"); });
  });
  EXPECT_EQ(with_callback, with_future);
}

TEST_F(FutureTest, MakeFutureBridgesTheCallbackServices) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, {});
  std::string name;
  make_future<User>([&](Handler<User> h) {
    services.fetch_user(3, std::move(h));
  }).then([&](User user) { name = user.name; });
  EXPECT_EQ(name, "");
  reactor.run();
  EXPECT_FALSE(name.empty());
  EXPECT_EQ(reactor.now(), services.config().user_latency);
}

TEST_F(FutureTest, SpawnRunsTheWorkUnderItsOwnLabel) {
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

}  // namespace
}  // namespace evo::stage2
