// Checks the never_awaited exercise against its contract
// (stage3_coroutines/exercises/never_awaited.hpp).
#include "stage3_coroutines/exercises/never_awaited.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/trace.hpp"
#include "tests/exercises/outcome.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;
using stage3::live_frames;

class NeverAwaited : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_frames(), 0u) << "a coroutine frame is still alive after run()";
    EXPECT_EQ(live_handlers(), 0u) << "a callback was never called nor destroyed";
  }

  // Runs fetch_both to the end of the loop; keeps what it ended with.
  void run(ServiceConfig config, UserId a, UserId b) {
    Services services(reactor, std::move(config));
    reactor.set_observer(&recorder);
    stage3::start(fetch_both(services, a, b),
                  [this](std::exception_ptr e, std::pair<User, User> users) {
                    ++finished;
                    finished_at = reactor.now();
                    error = e;
                    both = std::move(users);
                  });
    reactor.run();
  }

  // The fetches that went through the reactor, and when they started.
  std::vector<Duration> fetches_started() const {
    std::vector<Duration> times;
    for (const auto& e : recorder.entries()) {
      if (e.kind == EventKind::timer_armed && e.detail == "fetch_user") times.push_back(e.time);
    }
    return times;
  }

  static ServiceConfig latency(Duration user_latency) {
    ServiceConfig config;
    config.user_latency = user_latency;
    return config;
  }

  Recorder recorder;  // before the reactor, which points at it: it outlives the reactor
  Reactor reactor{ClockMode::virtual_time};
  int finished = 0;
  Duration finished_at{-1};
  std::exception_ptr error;
  std::pair<User, User> both;
};

TEST_F(NeverAwaited, GivesBothUsers) {
  run(latency(250ms), 1, 2);
  ASSERT_EQ(finished, 1) << "the result must arrive exactly once";
  ASSERT_FALSE(error) << describe(error);
  EXPECT_EQ(both.first.id, 1);
  EXPECT_FALSE(both.first.name.empty());
  EXPECT_EQ(both.second.id, 2) << "user b came back empty (id " << both.second.id
                               << "): the code that fetches it never ran";
  EXPECT_FALSE(both.second.name.empty());
  EXPECT_EQ(fetches_started().size(), 2u) << "each user must be fetched, once, on the reactor";
}

TEST_F(NeverAwaited, FetchesBothAtOnce) {
  run(latency(250ms), 1, 2);
  ASSERT_EQ(finished, 1) << describe(error);
  EXPECT_EQ(fetches_started(), (std::vector<Duration>{0s, 0s}))
      << "both fetches must start at once (the times each one started are listed)";
  EXPECT_EQ(finished_at, 250ms) << "two fetches at once take one latency (250 ms); one after "
                                   "the other take two (500 ms)";
}

TEST_F(NeverAwaited, ThrowsWhenUserAFails) {
  ServiceConfig config = latency(250ms);
  config.failing_users = {1};
  run(config, 1, 2);
  ASSERT_EQ(finished, 1) << "the result (here: the error) must arrive exactly once";
  EXPECT_EQ(code_of(error), errc::user_not_found)
      << "user a does not exist: fetch_both must throw user_not_found; got: " << describe(error);
}

TEST_F(NeverAwaited, ThrowsWhenUserBFails) {
  ServiceConfig config = latency(250ms);
  config.failing_users = {2};
  run(config, 1, 2);
  ASSERT_EQ(finished, 1) << "the result (here: the error) must arrive exactly once";
  EXPECT_EQ(code_of(error), errc::user_not_found)
      << "user b does not exist: fetch_both must throw user_not_found; got: " << describe(error)
      << " (was user b ever fetched?)";
}

}  // namespace
}  // namespace evo::exercises
