// Checks the stoppable_chain exercise against its contract
// (stage2_futures/exercises/stoppable_chain.hpp).
#include "stage2_futures/exercises/stoppable_chain.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stop_token>
#include <system_error>

#include "common/errors.hpp"
#include "common/reactor.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;

struct Answer {
  int calls = 0;
  Duration at{-1};
  std::error_code error;
  UserProfile value;
};

class StoppableChain : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(reactor.pending(), 0u);
    EXPECT_EQ(stage2::live_states(), 0u) << "a future's shared state leaked";
    EXPECT_EQ(live_handlers(), 0u) << "a handler leaked";
  }

  // Users answer after 200 ms, profiles 300 ms later: 500 ms in all.
  void start(Answer& answer) {
    fetch_user_and_profile_stoppable(services, 7, stop.get_token())
        .on_complete([this, &answer](std::error_code ec, UserProfile value) {
          ++answer.calls;
          answer.at = reactor.now();
          answer.error = ec;
          answer.value = std::move(value);
        });
  }

  Reactor reactor{ClockMode::virtual_time};
  Services services{reactor, ServiceConfig{}};
  std::stop_source stop;
};

TEST_F(StoppableChain, UnstoppedItFetchesTheUserThenTheProfile) {
  Answer answer;
  start(answer);
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_FALSE(answer.error);
  EXPECT_EQ(answer.value.profile.user_id, 7);
  EXPECT_EQ(answer.at, 500ms);
}

TEST_F(StoppableChain, AStopDuringTheUserFetchCancelsIt) {
  Answer answer;
  start(answer);
  reactor.call_after(100ms, [&] { stop.request_stop(); });
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.error, errc::cancelled);
  EXPECT_EQ(answer.at, 100ms);
  EXPECT_EQ(reactor.now(), 100ms);
}

TEST_F(StoppableChain, AStopDuringTheProfileFetchCancelsThatOne) {
  Answer answer;
  start(answer);
  reactor.call_after(300ms, [&] { stop.request_stop(); });
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.error, errc::cancelled);
  EXPECT_EQ(answer.at, 300ms);
  EXPECT_EQ(reactor.now(), 300ms) << "the profile fetch must get the token too";
}

TEST_F(StoppableChain, AStopBeforeTheCallFailsFromTheLoop) {
  Answer answer;
  stop.request_stop();
  start(answer);
  EXPECT_EQ(answer.calls, 0) << "never inside the call";
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.error, errc::cancelled);
  EXPECT_EQ(reactor.now(), 0ms);
}

TEST_F(StoppableChain, AnErrorStillSkipsTheRest) {
  ServiceConfig config;
  config.failing_users = {7};
  Services failing(reactor, config);
  int calls = 0;
  std::error_code seen;
  fetch_user_and_profile_stoppable(failing, 7, stop.get_token())
      .on_complete([&](std::error_code ec, UserProfile) {
        ++calls;
        seen = ec;
      });
  reactor.run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, errc::user_not_found);
  EXPECT_EQ(reactor.now(), 200ms);
}

}  // namespace
}  // namespace evo::exercises
