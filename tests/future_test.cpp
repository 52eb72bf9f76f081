#include "stage2_futures/future.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/services.hpp"
#include "common/trace.hpp"
#include "stage2_futures/from_callbacks.hpp"
#include "tests/stack_span.hpp"

namespace evo::stage2 {
namespace {

using namespace std::chrono_literals;

using test::flat_stack;
using test::StackSpan;

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

TEST_F(FutureTest, CompletingAPromiseTwiceThrowsLogicError) {
  Promise<int> promise;
  promise.set_value(1);
  EXPECT_THROW(promise.set_value(2), std::logic_error);
  EXPECT_THROW(promise.set_error(errc::timeout), std::logic_error);
}

TEST_F(FutureTest, GetFutureTwiceThrowsLogicError) {
  Promise<int> promise;
  Future<int> future = promise.get_future();
  try {
    promise.get_future();
    ADD_FAILURE() << "a second get_future() returned";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "Promise::get_future called twice (or after a move)");
  }
  Promise<int> moved_from;
  Promise<int> taken = std::move(moved_from);
  EXPECT_THROW(moved_from.get_future(), std::logic_error);
}

TEST_F(FutureTest, GetFutureAfterTheResultGivesAReadyFuture) {
  Promise<int> promise;
  promise.set_value(3);
  int seen = 0;
  promise.get_future().then([&](int v) { seen = v; });
  EXPECT_EQ(seen, 3);
}

TEST_F(FutureTest, AFutureConsumedTwiceThrowsLogicError) {
  Promise<int> promise;
  Future<int> future = promise.get_future();
  std::move(future).then([](int) {});
  try {
    std::move(future).then([](int) {});
    ADD_FAILURE() << "a second then() returned";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "Future consumed twice (or after a move)");
  }
  EXPECT_THROW(std::move(future).on_complete([](std::error_code, int) {}), std::logic_error);
  EXPECT_THROW(std::move(future).catch_error([](std::error_code) { return 0; }), std::logic_error);
  EXPECT_THROW(std::move(future).forward_to(Promise<int>()), std::logic_error);
}

TEST_F(FutureTest, AMovedFromFutureThrowsLogicError) {
  Future<int> future = make_ready_future(1);
  Future<int> taken = std::move(future);
  EXPECT_FALSE(future.valid());
  EXPECT_THROW(std::move(future).then([](int) {}), std::logic_error);
  EXPECT_THROW(Future<int>().on_complete([](std::error_code, int) {}), std::logic_error);
}

// Synchronous completion: one set_value completes a million links. Each link
// used to complete the next by a nested call; the trampoline makes it a loop.
TEST_F(FutureTest, AMillionLinkChainCompletedAtTheEndRunsInConstantStack) {
  constexpr int links = 1'000'000;
  Promise<int> first;
  Future<int> chain = first.get_future();
  StackSpan stack;
  for (int i = 0; i < links; ++i) {
    chain = std::move(chain).then([&stack](int v) {
      stack.note();
      return v + 1;
    });
  }
  int seen = -1;
  std::move(chain).then([&](int v) { seen = v; });
  first.set_value(0);
  EXPECT_EQ(seen, links);
  EXPECT_LT(stack.bytes(), flat_stack);
}

TEST_F(FutureTest, AMillionThensOnReadyFuturesRunInConstantStack) {
  constexpr int links = 1'000'000;
  Future<int> chain = make_ready_future(0);
  StackSpan stack;
  for (int i = 0; i < links; ++i) {
    chain = std::move(chain).then([&stack](int v) {
      stack.note();
      return make_ready_future(v + 1);
    });
  }
  int seen = -1;
  std::move(chain).then([&](int v) { seen = v; });
  EXPECT_EQ(seen, links);
  EXPECT_LT(stack.bytes(), flat_stack);
}

// A loop written as then() recursion, on steps that complete at once. It runs
// in constant stack (each step is queued behind the one running), but keeps a
// state per iteration: combinators.hpp's repeat is the way to loop.
Future<int> count_down(int n, StackSpan& stack) {
  return make_ready_future(n).then([&stack](int left) {
    stack.note();
    return left == 0 ? make_ready_future(0) : count_down(left - 1, stack);
  });
}

TEST_F(FutureTest, ThenRecursionOnReadyFuturesRunsInConstantStack) {
  StackSpan stack;
  int seen = -1;
  count_down(100'000, stack).then([&](int v) { seen = v; });
  EXPECT_EQ(seen, 0);
  EXPECT_LT(stack.bytes(), flat_stack);
}

TEST_F(FutureTest, WhileAContinuationRunsTheOnesItReadiesRunRightAfterIt) {
  Promise<void> outer;
  Promise<void> inner;
  std::vector<std::string> order;
  inner.get_future().then([&] { order.push_back("inner's continuation"); });
  outer.get_future().then([&] {
    inner.set_value();
    order.push_back("rest of outer's continuation");
  });
  outer.set_value();
  EXPECT_EQ(order,
            (std::vector<std::string>{"rest of outer's continuation", "inner's continuation"}));
}

// A continuation that throws: its exception leaves the completing call, and
// the rest of its chain is destroyed unrun, not run with broken_promise on
// the way out.
TEST_F(FutureTest, AThrowingContinuationDropsTheRestOfItsChain) {
  Promise<int> start;
  std::vector<std::error_code> heard;
  start.get_future()
      .then([](int) -> int { throw std::runtime_error("refused"); })
      .then([](int v) { return v; })
      .on_complete([&](std::error_code ec, int) { heard.push_back(ec); });
  EXPECT_THROW(start.set_value(1), std::runtime_error);
  EXPECT_TRUE(heard.empty()) << heard.front().message();
}

TEST_F(FutureTest, AfterAThrowingContinuationTheNextCompletionRunsNormally) {
  Promise<int> first;
  first.get_future().then([](int) { throw std::runtime_error("refused"); });
  EXPECT_THROW(first.set_value(1), std::runtime_error);
  Promise<int> second;
  int seen = 0;
  second.get_future().then([&](int v) { seen = v; });
  second.set_value(2);
  EXPECT_EQ(seen, 2) << "the trampoline is left ready for the next completion";
}

// Teardown (Asio's policy): a promise destroyed by ~Reactor drops its
// continuation. A retry loop that treats every error, broken_promise
// included, as "wait and try again" would otherwise re-arm forever; the
// counter gives up after 1000 so that the test fails rather than hangs.
Future<void> retry_forever(Reactor& reactor, int& retries) {
  return sleep_for(reactor, 1s)
      .then([&reactor, &retries] { return retry_forever(reactor, retries); })  // suspends
      .catch_error([&reactor, &retries](std::error_code) {
        if (++retries >= 1000) return make_ready_future();
        return retry_forever(reactor, retries);
      });
}

TEST_F(FutureTest, AReactorDestroyedUnderARetryLoopEndsAndRunsNoContinuation) {
  int retries = 0;
  bool finished = false;
  {
    Reactor reactor(ClockMode::virtual_time);
    retry_forever(reactor, retries).on_complete([&](std::error_code, std::monostate) {
      finished = true;
    });
  }
  EXPECT_EQ(retries, 0) << "teardown ran the loop's error path";
  EXPECT_FALSE(finished);
  EXPECT_EQ(live_states(), 0u);
  EXPECT_EQ(live_handlers(), 0u);
}

TEST_F(FutureTest, AReactorDestroyedUnderAMillionLinkChainDropsItInConstantStack) {
  bool finished = false;
  {
    Reactor reactor(ClockMode::virtual_time);
    Future<int> chain = sleep_for(reactor, 1s).then([] { return 0; });
    for (int i = 0; i < 1'000'000; ++i) chain = std::move(chain).then([](int v) { return v + 1; });
    std::move(chain).on_complete([&](std::error_code, int) { finished = true; });
  }
  EXPECT_FALSE(finished);
  EXPECT_EQ(live_states(), 0u);
}

// get_future after the promise completed works: the future is ready, and its
// continuation runs at once. A second get_future, before or after, fails loudly.
TEST_F(FutureTest, GetFutureAfterCompletionGivesAReadyFutureAndASecondOneThrows) {
  Promise<int> promise;
  promise.set_value(7);
  int seen = 0;
  promise.get_future().then([&](int v) { seen = v; });
  EXPECT_EQ(seen, 7) << "the value set before get_future must reach its continuation";
  EXPECT_THROW(promise.get_future(), std::logic_error);

  Promise<int> failed;
  failed.set_error(errc::user_not_found);
  std::error_code error;
  failed.get_future().on_complete([&](std::error_code ec, int) { error = ec; });
  EXPECT_EQ(error, errc::user_not_found);
}

}  // namespace
}  // namespace evo::stage2
