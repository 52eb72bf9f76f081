// spawn, when_all and with_timeout (combinators.hpp) at teardown, and on
// Task<void>, as stage 2's combinators take Future<void>.
#include "stage3_coroutines/combinators.hpp"

#include <gtest/gtest.h>

#include <stop_token>
#include <system_error>
#include <vector>

#include "common/errors.hpp"
#include "common/services.hpp"
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

// Cancellation and structured concurrency: the tokens a frame inherits, and
// children that have all ended by the time their parent goes on.
struct Alive {  // counts the child frames still alive
  explicit Alive(int& n) : count(n) { ++count; }
  ~Alive() { --count; }
  int& count;
};

Task<User> fetch_user_task(Services& services, UserId id, int& alive) {
  Alive here(alive);
  co_return co_await async_call<User>(&Services::fetch_user, &services, id);  // suspends
}

Task<Profile> fetch_profile_task(Services& services, UserId id, int& alive) {
  Alive here(alive);
  co_return co_await async_call<Profile>(&Services::fetch_profile, &services, id);  // suspends
}

TEST_F(CombinatorsTest, ATaskInheritsTheStopTokenOfItsAwaiter) {
  Services services(reactor, ServiceConfig{});  // a user takes 200 ms
  int alive = 0;
  auto outer = [&]() -> Task<User> { co_return co_await fetch_user_task(services, 7, alive); };
  std::stop_source stop;
  std::exception_ptr error;
  start(
      outer(), [&](std::exception_ptr e, User) { error = e; }, stop.get_token());
  reactor.call_after(50ms, [&] { stop.request_stop(); });
  reactor.run();
  ASSERT_TRUE(error);
  try {
    std::rethrow_exception(error);
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::cancelled);
  }
  EXPECT_EQ(reactor.now(), 50ms) << "the fetch's timer was cancelled with the task";
}

TEST_F(CombinatorsTest, WhenAllStopsTheOthersAndNoChildOutlivesTheParent) {
  ServiceConfig config;
  config.failing_users = {1};
  Services services(reactor, config);  // the user fails at 200 ms; profiles take 300 ms
  int alive = 0;
  int alive_when_resumed = -1;
  std::error_code seen;
  auto parent = [&]() -> Task<void> {
    std::vector<Task<int>> children;
    auto user = [&]() -> Task<int> { co_return (co_await fetch_user_task(services, 1, alive)).id; };
    auto profile = [&]() -> Task<int> {
      co_return (co_await fetch_profile_task(services, 2, alive)).user_id;
    };
    children.push_back(user());
    children.push_back(profile());
    children.push_back(profile());
    try {
      co_await when_all(std::move(children));  // suspends
    } catch (const std::system_error& e) {
      seen = e.code();
      alive_when_resumed = alive;
    }
  };
  start(parent(), [](std::exception_ptr, std::monostate) {});
  reactor.run();
  EXPECT_EQ(seen, errc::user_not_found);
  EXPECT_EQ(alive_when_resumed, 0) << "every child had ended before the parent went on";
  EXPECT_EQ(reactor.now(), 200ms);
  EXPECT_EQ(reactor.stats().timers_cancelled, 2u);
}

TEST_F(CombinatorsTest, WithTimeoutStopsTheLoserBeforeTheCallerResumes) {
  Services services(reactor, ServiceConfig{});
  int alive = 0;
  int alive_when_resumed = -1;
  auto parent = [&]() -> Task<void> {
    try {
      co_await with_timeout(reactor, fetch_user_task(services, 7, alive), 50ms);  // suspends
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), errc::timeout);
      alive_when_resumed = alive;
    }
  };
  start(parent(), [](std::exception_ptr, std::monostate) {});
  reactor.run();
  EXPECT_EQ(alive_when_resumed, 0);
  EXPECT_EQ(reactor.now(), 50ms);
}

TEST_F(CombinatorsTest, AStoppedSpawnedTaskSeesCancelledFromTheLoop) {
  Services services(reactor, ServiceConfig{});
  int alive = 0;
  std::stop_source stop;
  stop.request_stop();  // before the task even starts
  std::exception_ptr error;
  auto parent = [&]() -> Task<User> {
    co_return co_await spawn(reactor, "worker", fetch_user_task(services, 7, alive));
  };
  start(
      parent(), [&](std::exception_ptr e, User) { error = e; }, stop.get_token());
  reactor.run();
  ASSERT_TRUE(error);
  EXPECT_EQ(reactor.now(), 0s);
  EXPECT_EQ(reactor.stats().timers_armed, 0u);
}

// A spawned task awaited before it starts (as when_all's children are) runs on
// its awaiter's token itself: a spawn makes no stop source of its own.
TEST_F(CombinatorsTest, ASpawnAwaitedBeforeItStartsRunsOnItsAwaitersToken) {
  std::stop_source stop;
  std::stop_token seen;
  auto child = [&]() -> Task<void> {
    co_await async_call<void>([&](HandlerFor<void> handler, std::stop_token token) {
      seen = token;
      reactor.post([handler = std::move(handler)]() mutable { handler({}); });
    });  // suspends
  };
  auto parent = [&]() -> Task<void> { co_await spawn(reactor, "child", child()); };
  start(
      parent(), [](std::exception_ptr, std::monostate) {}, stop.get_token());
  reactor.run();
  EXPECT_TRUE(seen == stop.get_token()) << "the spawn put a stop source of its own in between";
}

// A parent stopped while it waits on something that ignores stop (a plain
// sleep), then awaiting a task it spawned earlier: registering the stop link
// stops the child at once, the child reports inline, and the parent must
// still go on (it used to be resumed before it was stored, and never again).
TEST_F(CombinatorsTest, AStoppedParentAwaitingARunningSpawnIsResumedOnce) {
  Services services(reactor, ServiceConfig{});  // a user takes 200 ms
  int alive = 0;
  std::stop_source stop;
  int calls = 0;
  std::exception_ptr error;
  auto parent = [&]() -> Task<User> {
    Task<User> child = spawn(reactor, "child", fetch_user_task(services, 7, alive));
    co_await sleep_for(reactor, 10ms);    // takes no token: ends at 10 ms, stopped or not
    co_return co_await std::move(child);  // the token is stopped by now
  };
  start(
      parent(),
      [&](std::exception_ptr e, User) {
        ++calls;
        error = e;
      },
      stop.get_token());
  reactor.call_after(5ms, [&] { stop.request_stop(); });
  reactor.run();
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(error);
  try {
    std::rethrow_exception(error);
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::cancelled);
  }
  EXPECT_EQ(alive, 0);
  EXPECT_EQ(live_frames(), 0u);
}

}  // namespace
}  // namespace evo::stage3
