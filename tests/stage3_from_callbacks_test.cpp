// The adapter from a callback API (from_callbacks.hpp) under the conditions a
// real callback API creates: handlers called at once, operations that throw
// or drop their handler, a reactor destroyed with work pending, long loops.
#include "stage3_coroutines/from_callbacks.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "common/errors.hpp"
#include "stage3_coroutines/task.hpp"
#include "tests/stack_span.hpp"

namespace evo::stage3 {
namespace {

using namespace std::chrono_literals;

class FromCallbacksTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_frames(), 0u) << "a coroutine frame leaked";
    EXPECT_EQ(live_handlers(), 0u);
  }
  Reactor reactor{ClockMode::virtual_time};
};

using test::StackSpan;

constexpr int kMillion = 1'000'000;

// A cached lookup: the handler runs before the initiating function returns.
void answer_at_once(Handler<int> handler) {
  handler({}, 1);
}

Task<long> sum_of_immediate_answers(int times, StackSpan& stack) {
  long sum = 0;
  for (int i = 0; i < times; ++i) {
    sum += co_await async_call<int>(&answer_at_once);
    stack.note();
  }
  co_return sum;
}

TEST_F(FromCallbacksTest, AMillionImmediateCompletionsRunInConstantStack) {
  StackSpan stack;
  long sum = 0;
  start(sum_of_immediate_answers(kMillion, stack),
        [&](std::exception_ptr, long value) { sum = value; });
  EXPECT_EQ(sum, kMillion);
  EXPECT_LT(stack.bytes(), 4096u) << "each await nested a call inside the last one";
}

// An operation that took the handler, then failed to start.
void take_then_throw(Handler<int> handler) {
  Handler<int> taken = std::move(handler);
  throw std::runtime_error("refused after taking the handler");
}

// An operation that throws before it even looks at its handler.
struct ThrowBeforeTaking {
  template <class H>
  void operator()(H&&) const {
    throw std::runtime_error("refused before taking the handler");
  }
};

template <class Op>
Task<int> await_and_count(Op op, int& resumed, std::string& caught) {
  try {
    co_await async_call<int>(op);
  } catch (const std::runtime_error& e) {
    caught = e.what();
  }
  ++resumed;
  co_return 0;
}

TEST_F(FromCallbacksTest, AnOperationThatThrowsAfterTakingTheHandlerResumesOnceWithItsException) {
  int resumed = 0, finished = 0;
  std::string caught;
  start(await_and_count(&take_then_throw, resumed, caught),
        [&](std::exception_ptr, int) { ++finished; });
  EXPECT_EQ(caught, "refused after taking the handler");
  EXPECT_EQ(resumed, 1);
  EXPECT_EQ(finished, 1);
}

TEST_F(FromCallbacksTest, AnOperationThatThrowsBeforeTakingTheHandlerResumesOnceWithItsException) {
  int resumed = 0, finished = 0;
  std::string caught;
  start(await_and_count(ThrowBeforeTaking{}, resumed, caught),
        [&](std::exception_ptr, int) { ++finished; });
  EXPECT_EQ(caught, "refused before taking the handler");
  EXPECT_EQ(resumed, 1);
  EXPECT_EQ(finished, 1);
}

// An operation that breaks the rule (it keeps the handler, then throws): the
// co_await still ends once, with op's exception, and the handler it kept is
// disarmed, so calling or destroying it later touches no freed awaiter.
TEST_F(FromCallbacksTest, AHandlerKeptByAnOperationThatThrewIsDisarmed) {
  Handler<int> kept;
  int resumed = 0, finished = 0;
  std::string caught;
  auto keep_then_throw = [&kept](Handler<int> handler) {
    kept = std::move(handler);
    throw std::runtime_error("kept the handler, then refused");
  };
  start(await_and_count(keep_then_throw, resumed, caught),
        [&](std::exception_ptr, int) { ++finished; });
  EXPECT_EQ(caught, "kept the handler, then refused");
  EXPECT_EQ(finished, 1);
  EXPECT_EQ(live_frames(), 0u) << "the coroutine ended: its frame (and awaiter) are gone";
  EXPECT_THROW(kept({}, 7), std::logic_error) << "a disarmed handler says so, and resumes nothing";
  kept = nullptr;  // destroying it must not touch the freed awaiter either
  EXPECT_EQ(resumed, 1);
}

Task<int> await_dropped(int& resumed) {
  int value = co_await async_call<int>([](Handler<int>) {});  // dropped unrun, at once
  ++resumed;
  co_return value;
}

TEST_F(FromCallbacksTest, AHandlerDroppedInsideTheInitiatingCallGivesBrokenPromiseOnce) {
  int resumed = 0, finished = 0;
  std::exception_ptr error;
  start(await_dropped(resumed), [&](std::exception_ptr e, int) {
    ++finished;
    error = e;
  });
  EXPECT_EQ(resumed, 0) << "the co_await threw";
  ASSERT_EQ(finished, 1);
  try {
    std::rethrow_exception(error);
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::broken_promise);
  }
}

Task<int> await_kept_then_dropped(Handler<int>& kept) {
  co_return co_await async_call<int>([&kept](Handler<int> h) { kept = std::move(h); });
}

TEST_F(FromCallbacksTest, AHandlerDroppedLaterOutsideTeardownResumesWithBrokenPromise) {
  Handler<int> kept;
  std::exception_ptr error;
  start(await_kept_then_dropped(kept), [&](std::exception_ptr e, int) { error = e; });
  EXPECT_FALSE(error) << "still waiting";
  kept = nullptr;  // a buggy operation loses the handler
  ASSERT_TRUE(error);
  EXPECT_THROW(std::rethrow_exception(error), std::system_error);
}

// A retry loop: every error is caught and the coroutine waits again. If
// teardown resumed it, each resumption would arm a new timer on the dying
// reactor; the counter bounds that (so the test ends even then) and tells.
Task<void> retry_forever(Reactor& reactor, int& attempts) {
  while (attempts < 1000) {
    ++attempts;
    try {
      co_await sleep_for(reactor, 1s);  // suspends
    } catch (const std::system_error&) {
    }
  }
}

TEST_F(FromCallbacksTest, ARetryLoopOnADestroyedReactorIsDestroyedNotResumed) {
  int attempts = 0, finished = 0;
  {
    Reactor doomed(ClockMode::virtual_time);
    start(retry_forever(doomed, attempts), [&](std::exception_ptr, std::monostate) { ++finished; });
  }  // destroyed while the loop waits on its timer
  EXPECT_EQ(attempts, 1) << "the loop ran on after teardown";
  EXPECT_EQ(finished, 0) << "Asio's rule: a pending handler is destroyed, not called";
  // TearDown: every frame and handler is freed.
}

Task<int> count_immediate(int times, StackSpan& stack, std::size_t& most_frames) {
  int iterations = 0;
  while (iterations < times) {
    co_await async_call<int>(&answer_at_once);
    ++iterations;
    stack.note();
    most_frames = std::max(most_frames, live_frames());
  }
  co_return iterations;
}

TEST_F(FromCallbacksTest, AWhileLoopOfImmediateAwaitsRunsAMillionTimesInConstantMemory) {
  StackSpan stack;
  std::size_t most_frames = 0;
  int iterations = 0;
  start(count_immediate(kMillion, stack, most_frames),
        [&](std::exception_ptr, int n) { iterations = n; });
  EXPECT_EQ(iterations, kMillion);
  EXPECT_LE(most_frames, 2u) << "the loop and start()'s driver";
  EXPECT_LT(stack.bytes(), 4096u);
}

Task<int> count_through_the_reactor(Reactor& reactor, int times, StackSpan& stack,
                                    std::size_t& most_frames) {
  int iterations = 0;
  while (iterations < times) {
    co_await sleep_for(reactor, 0s);  // suspends: back to the loop every time
    ++iterations;
    stack.note();
    most_frames = std::max(most_frames, live_frames());
  }
  co_return iterations;
}

TEST_F(FromCallbacksTest, AWhileLoopThroughTheReactorRunsAMillionTimesInConstantMemory) {
  StackSpan stack;
  std::size_t most_frames = 0;
  int iterations = 0;
  start(count_through_the_reactor(reactor, kMillion, stack, most_frames),
        [&](std::exception_ptr, int n) { iterations = n; });
  reactor.run();
  EXPECT_EQ(iterations, kMillion);
  EXPECT_LE(most_frames, 2u);
  EXPECT_LT(stack.bytes(), 4096u);
}

}  // namespace
}  // namespace evo::stage3
