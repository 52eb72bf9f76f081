// The coroutines lowered by hand (stage3_coroutines/lowered.cpp) keep stage
// 3's promises: a frame still waiting when the reactor goes is freed without
// running any more of its code, and a failing service reaches the caller
// exactly once, with nothing left alive. The equivalence tests check the
// traces; these check the lives of the frames.
#include "stage3_coroutines/lowered.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stop_token>
#include <string>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "stage3_coroutines/lowered_adapter.hpp"
#include "stage3_coroutines/task.hpp"

namespace evo::stage3::lowered {
namespace {

using namespace std::chrono_literals;

class LoweredTest : public ::testing::Test {
 protected:
  // After every test: no frame, lowered or coroutine, and no handler is left.
  void TearDown() override {
    EXPECT_EQ(lowered::live_frames(), 0u) << "a lowered frame leaked";
    EXPECT_EQ(stage3::live_frames(), 0u) << "a coroutine frame leaked";
    EXPECT_EQ(live_handlers(), 0u) << "a handler leaked";
  }

  // The caller's handler: counts its calls, keeps the last error.
  template <class T>
  Handler<T> caller() {
    return [this](std::error_code ec, T) {
      ++calls;
      error = ec;
    };
  }

  // Runs the loop up to `at` and leaves it there, with whatever waits then
  // still waiting: a timer throws out of run() (the loop stays as it was).
  static void run_until(Reactor& reactor, Duration at) {
    struct Pause {};
    reactor.call_after(at, [] { throw Pause{}; });
    EXPECT_THROW(reactor.run(), Pause);
  }

  int calls = 0;
  std::error_code error;
};

// Each case leaves the frame waiting at one of its co_awaits, on a service
// that can be cancelled or not (the services arm different callbacks for
// each), then destroys the services and the reactor under it.
struct Waiting {
  Duration run_until;  // zero: do not run the loop at all
  bool cancellable;
  const char* on;
};

TEST_F(LoweredTest, AFrameWaitingOnAServiceIsFreedWithTheReactorAndRunsNoMore) {
  for (Waiting w :
       {Waiting{0ms, false, "fetch_user"}, Waiting{0ms, true, "fetch_user"},
        Waiting{250ms, false, "fetch_profile"}, Waiting{250ms, true, "fetch_profile"}}) {
    SCOPED_TRACE(std::string(w.on) + (w.cancellable ? ", cancellable" : ""));
    std::stop_source stop;
    {
      Reactor reactor(ClockMode::virtual_time);
      Services services(reactor, {});  // fetch_user answers at 200 ms, fetch_profile 300 ms later
      fetch_user_and_profile(services, 7, caller<UserProfile>(),
                             w.cancellable ? stop.get_token() : std::stop_token());
      if (w.run_until > 0ms) run_until(reactor, w.run_until);
      EXPECT_EQ(lowered::live_frames(), 1u) << "the frame waits on " << w.on;
      EXPECT_EQ(reactor.pending(), 1u) << "and so does the loop: one timer";
    }  // ~Services, then ~Reactor, which destroys the timer and the callback it holds
    EXPECT_EQ(lowered::live_frames(), 0u) << "the frame was not freed";
    EXPECT_EQ(calls, 0) << "the caller's handler ran after teardown";
  }
}

TEST_F(LoweredTest, AOneTaskFrameWaitingOnItsTimerIsFreedWithTheReactor) {
  {
    Reactor reactor(ClockMode::virtual_time);
    Services services(reactor, {});
    one_task(services, "Task A", 2s, 0s, caller<std::string>());
    run_until(reactor, 1s);
    EXPECT_EQ(lowered::live_frames(), 1u) << "the frame waits on its 2 s timer";
  }
  EXPECT_EQ(calls, 0);
}

TEST_F(LoweredTest, AFailingServiceReachesTheCallerOnce) {
  struct Failing {
    ServiceConfig config;
    errc expected;
  };
  Failing user{.config = {}, .expected = errc::user_not_found};
  user.config.failing_users = {7};
  Failing profile{.config = {}, .expected = errc::profile_not_found};
  profile.config.failing_profiles = {7};
  for (const Failing& f : {user, profile}) {
    SCOPED_TRACE(make_error_code(f.expected).message());
    calls = 0;
    Reactor reactor(ClockMode::virtual_time);
    Services services(reactor, f.config);
    fetch_user_and_profile(services, 7, caller<UserProfile>(), {});
    reactor.run();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(error, f.expected);
    EXPECT_EQ(lowered::live_frames(), 0u) << "the frame was not freed after its failure";
  }
}

// The same failure through the coroutines stage3_lowered reuses around the
// frame (async_call, spawn, when_all): still once, and the binary's error
// line names the coroutines on the way up, as stage3_coroutines' does.
TEST_F(LoweredTest, AFailureInAFanOutReachesTheCallerOnceAndNamesTheCoroutines) {
  ServiceConfig config;
  config.failing_profiles = {2};
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config);
  stage_api().fetch_all(services, {1, 2, 3}, caller<std::vector<UserProfile>>(), {});
  reactor.run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(error, errc::profile_not_found);
  std::string details = stage_api().error_details();
  EXPECT_NE(details.find("The error went up through these coroutines"), std::string::npos)
      << details;
  EXPECT_NE(details.find("when_all at "), std::string::npos) << details;
  EXPECT_NE(details.find("fetch_all at stage3_coroutines/lowered_adapter.cpp:"), std::string::npos)
      << details;
}

}  // namespace
}  // namespace evo::stage3::lowered
