// spawn, when_all and with_timeout (combinators.hpp) at teardown, and on
// Task<void>, as stage 2's combinators take Future<void>.
#include "stage3_coroutines/combinators.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "common/errors.hpp"
#include "stage3_coroutines/from_callbacks.hpp"
#include "stage3_coroutines/task.hpp"

namespace evo::stage3 {
namespace {

using namespace std::chrono_literals;

class CombinatorsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_frames(), 0u) << "a coroutine frame leaked";
    EXPECT_EQ(live_handlers(), 0u);
  }
  Reactor reactor{ClockMode::virtual_time};
};

Task<void> nap(Reactor& reactor, Duration d, int& woke) {
  co_await sleep_for(reactor, d);  // suspends
  ++woke;
}

// What the retry loops below wait for, each time round.
enum class Waits { spawned, when_all, with_timeout };

Task<void> wait_once(Reactor& reactor, Waits what, int& woke) {
  switch (what) {
    case Waits::spawned:
      co_await spawn(reactor, "worker", nap(reactor, 1s, woke));  // suspends
      break;
    case Waits::when_all: {
      std::vector<Task<void>> naps;
      naps.push_back(nap(reactor, 1s, woke));
      naps.push_back(nap(reactor, 2s, woke));
      co_await when_all(std::move(naps));  // suspends
      break;
    }
    case Waits::with_timeout:
      co_await with_timeout(reactor, nap(reactor, 2s, woke), 1s);  // suspends
      break;
  }
}

// Catches every error and waits again; bounded, so that the test ends even if
// teardown resumes it (each resumption arms new work on the dying reactor).
Task<void> retry_forever(Reactor& reactor, Waits what, int& attempts, int& woke) {
  while (attempts < 1000) {
    ++attempts;
    try {
      co_await wait_once(reactor, what, woke);
    } catch (const std::system_error&) {
    }
  }
}

void destroy_reactor_while_retrying(Waits what) {
  int attempts = 0, woke = 0, finished = 0;
  {
    Reactor doomed(ClockMode::virtual_time);
    start(retry_forever(doomed, what, attempts, woke),
          [&](std::exception_ptr, std::monostate) { ++finished; });
  }
  EXPECT_EQ(attempts, 1) << "the loop ran on after teardown";
  EXPECT_EQ(woke, 0) << "no code after a suspension point ran";
  EXPECT_EQ(finished, 0) << "start()'s callback is destroyed, not called";
}

TEST_F(CombinatorsTest, ARetryLoopOnASpawnIsDestroyedWithTheReactor) {
  destroy_reactor_while_retrying(Waits::spawned);
}

TEST_F(CombinatorsTest, ARetryLoopOnWhenAllIsDestroyedWithTheReactor) {
  destroy_reactor_while_retrying(Waits::when_all);
}

TEST_F(CombinatorsTest, ARetryLoopOnWithTimeoutIsDestroyedWithTheReactor) {
  destroy_reactor_while_retrying(Waits::with_timeout);
}

// Stops run() from outside the task, so the reactor is destroyed mid-way.
struct StopHere {};

TEST_F(CombinatorsTest, ASpawnedTaskThatStartedIsDestroyedWithTheReactor) {
  int attempts = 0, woke = 0, finished = 0;
  {
    Reactor doomed(ClockMode::virtual_time);
    start(retry_forever(doomed, Waits::spawned, attempts, woke),
          [&](std::exception_ptr, std::monostate) { ++finished; });
    doomed.call_after(500ms, [] { throw StopHere{}; });
    EXPECT_THROW(doomed.run(), StopHere);  // the worker has started, and sleeps
  }
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(woke, 0);
  EXPECT_EQ(finished, 0);
}

TEST_F(CombinatorsTest, WhenAllTakesVoidTasks) {
  int woke = 0;
  bool done = false;
  auto all = [](Reactor& r, int& w) -> Task<void> {
    std::vector<Task<void>> naps;
    naps.push_back(nap(r, 2s, w));
    naps.push_back(nap(r, 1s, w));
    co_await when_all(std::move(naps));
    EXPECT_EQ(w, 2);
  };
  start(all(reactor, woke), [&](std::exception_ptr e, std::monostate) { done = !e; });
  reactor.run();
  EXPECT_TRUE(done);
  EXPECT_EQ(reactor.now(), 2s) << "concurrently: the longest, not the sum";
}

TEST_F(CombinatorsTest, WithTimeoutTakesAVoidTask) {
  int woke = 0;
  std::error_code fast, slow;
  auto timed = [](Reactor& r, Duration d, int& w, std::error_code& ec) -> Task<void> {
    try {
      co_await with_timeout(r, nap(r, d, w), 2s);
    } catch (const std::system_error& e) {
      ec = e.code();
    }
  };
  start(timed(reactor, 1s, woke, fast), [](std::exception_ptr, std::monostate) {});
  start(timed(reactor, 3s, woke, slow), [](std::exception_ptr, std::monostate) {});
  reactor.run();
  EXPECT_FALSE(fast);
  EXPECT_EQ(slow, errc::timeout);
  EXPECT_EQ(woke, 2) << "the loser ran to its end, unheard";
}

}  // namespace
}  // namespace evo::stage3
