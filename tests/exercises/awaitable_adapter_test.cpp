// Checks the awaitable_adapter exercise against its contract
// (stage3_coroutines/exercises/awaitable_adapter.hpp).
#include "stage3_coroutines/exercises/awaitable_adapter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/services.hpp"
#include "common/trace.hpp"
#include "stage3_coroutines/task.hpp"
#include "tests/exercises/outcome.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;
using stage3::live_frames;
using stage3::Task;

// What an exception says, for the failure messages.
class AwaitableAdapter : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_frames(), 0u) << "a coroutine frame was never freed: did the coroutine "
                                    "resume and run to its end?";
    EXPECT_EQ(live_handlers(), 0u) << "a handler was never called nor destroyed";
  }

  // The coroutine under test: awaits one AwaitUser, notes where it got to.
  Task<User> waits_for_user(std::function<void(Handler<User>)> op) {
    ++started;
    User user = co_await AwaitUser(std::move(op));
    ++resumed;
    co_return user;
  }

  // Starts the coroutine and keeps what it ended with.
  void run(std::function<void(Handler<User>)> op) {
    stage3::start(waits_for_user(std::move(op)), [this](std::exception_ptr e, User u) {
      ++finished;
      error = e;
      user = std::move(u);
    });
  }

  Reactor reactor{ClockMode::virtual_time};
  int started = 0;
  int resumed = 0;
  int finished = 0;
  std::exception_ptr error;
  User user;
};

TEST_F(AwaitableAdapter, SuspendsUntilTheHandlerIsCalled) {
  Handler<User> saved;
  int ops_started = 0;
  run([&](Handler<User> h) {
    ++ops_started;
    saved = std::move(h);
  });
  EXPECT_EQ(started, 1);
  EXPECT_EQ(ops_started, 1) << "await_suspend must start the operation, exactly once: "
                            << describe(error);
  EXPECT_EQ(resumed, 0) << "the operation has not answered: the coroutine must stay suspended";
  EXPECT_EQ(finished, 0);
  ASSERT_TRUE(saved) << "the operation never got a handler to call";
  Handler<User> handler = std::move(saved);
  handler({}, User{1, "Ada"});
  EXPECT_EQ(ops_started, 1) << "resuming must not start the operation again";
  EXPECT_EQ(finished, 1);
}

TEST_F(AwaitableAdapter, ResumesTheCoroutineInsideTheHandler) {
  Handler<User> saved;
  run([&](Handler<User> h) { saved = std::move(h); });
  ASSERT_TRUE(saved) << "the operation never got a handler: " << describe(error);
  Handler<User> handler = std::move(saved);
  handler({}, User{7, "Grace"});
  EXPECT_EQ(resumed, 1) << "the coroutine must resume inline, before the handler returns "
                           "(no post, no extra trip through the loop)";
  ASSERT_EQ(finished, 1) << "the coroutine should have run to its end";
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(user.id, 7);
  EXPECT_EQ(user.name, "Grace") << "await_resume must hand back the user the handler got";
}

TEST_F(AwaitableAdapter, ThrowsTheHandlersErrorAsSystemError) {
  Handler<User> saved;
  run([&](Handler<User> h) { saved = std::move(h); });
  ASSERT_TRUE(saved) << "the operation never got a handler: " << describe(error);
  Handler<User> handler = std::move(saved);
  handler(errc::user_not_found, User{});
  EXPECT_EQ(resumed, 0) << "an error must throw out of the co_await, skipping the rest";
  ASSERT_EQ(finished, 1) << "the coroutine should have ended (with the error)";
  ASSERT_TRUE(error) << "the error was lost: await_resume returned a user instead of throwing";
  try {
    std::rethrow_exception(error);
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::user_not_found) << "throw the handler's own error_code";
  } catch (...) {
    FAIL() << "expected std::system_error, got: " << describe(error);
  }
}

TEST_F(AwaitableAdapter, WorksWhenTheOperationAnswersAtOnce) {
  // Some APIs call the handler before they return (the answer was cached):
  // the coroutine resumes, finishes and frees the awaiter inside await_suspend.
  run([](Handler<User> h) { h({}, User{3, "Barbara"}); });
  ASSERT_EQ(finished, 1) << describe(error);
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(user.name, "Barbara");
  EXPECT_EQ(resumed, 1);
}

// The case where touching the awaiter after starting op is a use-after-free:
// the coroutine is resumed by a callback (its first wait), and its second
// wait answers at once. It then ends inside op, and start() frees its frame,
// this awaiter with it, before op returns. The ASan build stops there.
TEST_F(AwaitableAdapter, AnAnswerAtOnceMayFreeTheAwaiterBeforeOpReturns) {
  Handler<User> saved;
  auto two_waits = [&]() -> Task<User> {
    co_await AwaitUser([&](Handler<User> h) { saved = std::move(h); });
    co_return co_await AwaitUser([](Handler<User> h) { h({}, User{5, "Edsger"}); });
  };
  stage3::start(two_waits(), [this](std::exception_ptr e, User u) {
    ++finished;
    error = e;
    user = std::move(u);
  });
  ASSERT_TRUE(saved) << "the operation never got a handler: " << describe(error);
  Handler<User> handler = std::move(saved);
  handler({}, User{4, "Alan"});
  ASSERT_EQ(finished, 1) << "both waits answered: the coroutine should have ended";
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(user.name, "Edsger");
}

TEST_F(AwaitableAdapter, AwaitsServicesFetchUserThroughTheReactor) {
  ServiceConfig config;
  config.user_latency = 250ms;
  Services services(reactor, config);
  Recorder recorder;
  reactor.set_observer(&recorder);
  run([&](Handler<User> h) { services.fetch_user(42, std::move(h)); });
  EXPECT_EQ(finished, 0) << "nothing can arrive before the reactor runs: " << describe(error);
  reactor.run();
  ASSERT_EQ(finished, 1) << "the coroutine must have finished, exactly once";
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(user.id, 42);
  EXPECT_FALSE(user.name.empty());
  EXPECT_EQ(reactor.now(), 250ms) << "one fetch: one user latency on the loop's clock";
  int fetch_timers = 0;
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::timer_armed) ++fetch_timers;
  }
  EXPECT_EQ(fetch_timers, 1) << "exactly one fetch went through the reactor";
}

TEST_F(AwaitableAdapter, AFailedFetchThrowsItsError) {
  ServiceConfig config;
  config.failing_users = {13};
  Services services(reactor, config);
  run([&](Handler<User> h) { services.fetch_user(13, std::move(h)); });
  reactor.run();
  ASSERT_EQ(finished, 1);
  ASSERT_TRUE(error) << "the failed fetch must throw out of the co_await";
  try {
    std::rethrow_exception(error);
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::user_not_found);
  } catch (...) {
    FAIL() << "expected std::system_error, got: " << describe(error);
  }
}

TEST_F(AwaitableAdapter, ManyCoroutinesWaitAtOnceEachForItsOwnUser) {
  Services services(reactor, ServiceConfig{});
  std::vector<UserId> got;
  auto one = [&](UserId id) -> Task<void> {
    User u = co_await AwaitUser(
        [&services, id](Handler<User> h) { services.fetch_user(id, std::move(h)); });
    got.push_back(u.id);
  };
  for (UserId id : {1, 2, 3}) {
    stage3::start(one(id), [this](std::exception_ptr e, std::monostate) {
      if (e) error = e;
    });
  }
  reactor.run();
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(got, (std::vector<UserId>{1, 2, 3})) << "each awaiter keeps its own result";
  EXPECT_EQ(reactor.now(), ServiceConfig{}.user_latency) << "three waits at once, not in a row";
}

}  // namespace
}  // namespace evo::exercises
