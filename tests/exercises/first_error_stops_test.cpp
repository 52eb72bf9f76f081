// Checks the first_error_stops exercise against its contract
// (stage1_callbacks/exercises/first_error_stops.hpp).
#include "stage1_callbacks/exercises/first_error_stops.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <stop_token>
#include <system_error>

#include "common/errors.hpp"
#include "common/reactor.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;

// What the handler saw: how often it ran, when, and with what.
struct Answer {
  int calls = 0;
  Duration at{-1};
  std::error_code error;
  UserProfile value;
};

class FirstErrorStops : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(reactor.pending(), 0u);
    EXPECT_EQ(live_handlers(), 0u) << "a handler leaked";
  }

  // Users answer after 200 ms, profiles after 300 ms.
  Services& services(std::set<UserId> failing_users = {}, std::set<UserId> failing_profiles = {}) {
    ServiceConfig config;
    config.failing_users = std::move(failing_users);
    config.failing_profiles = std::move(failing_profiles);
    return services_.emplace(reactor, std::move(config));
  }

  Handler<UserProfile> record(Answer& answer) {
    return [this, &answer](std::error_code ec, UserProfile value) {
      ++answer.calls;
      answer.at = reactor.now();
      answer.error = ec;
      answer.value = std::move(value);
    };
  }

  Reactor reactor{ClockMode::virtual_time};
  std::optional<Services> services_;
};

TEST_F(FirstErrorStops, BothAnswerAfterTheSlowerOne) {
  Answer answer;
  fetch_together(services(), 7, record(answer));
  EXPECT_EQ(answer.calls, 0) << "the handler must not run inside fetch_together";
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_FALSE(answer.error);
  EXPECT_EQ(answer.value.user.id, 7);
  EXPECT_EQ(answer.value.profile.user_id, 7);
  EXPECT_EQ(answer.at, 300ms) << "side by side: the slower fetch, not the sum";
}

// Both parts finishing at the same instant, their replies run in any order
// (shuffled ready phases): a solution that answers from the profile's reply,
// counting on the user's to have come first (it is faster above), answers
// without the user here.
TEST_F(FirstErrorStops, BothAnsweringAtTheSameInstantInAnyOrderGiveOneFullAnswer) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    Reactor shuffled(ClockMode::virtual_time);
    shuffled.shuffle_ready_order(seed);
    ServiceConfig config;
    config.user_latency = config.profile_latency = 200ms;
    Services same_time(shuffled, config);
    Answer answer;
    fetch_together(same_time, 7, [&](std::error_code ec, UserProfile value) {
      ++answer.calls;
      answer.error = ec;
      answer.value = std::move(value);
    });
    shuffled.run();
    EXPECT_EQ(answer.calls, 1) << "seed " << seed;
    EXPECT_FALSE(answer.error) << "seed " << seed << ": " << answer.error.message();
    EXPECT_EQ(answer.value.user.id, 7) << "seed " << seed << ": the answer came without the user";
    EXPECT_EQ(answer.value.profile.user_id, 7) << "seed " << seed;
  }
}

TEST_F(FirstErrorStops, AFailedUserStopsTheProfileFetch) {
  Answer answer;
  fetch_together(services({7}), 7, record(answer));
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.error, errc::user_not_found);
  EXPECT_EQ(answer.at, 200ms);
  EXPECT_EQ(reactor.now(), 200ms) << "the profile fetch's timer must be cancelled";
  EXPECT_EQ(reactor.stats().timers_cancelled, 1u);
}

TEST_F(FirstErrorStops, AFailedProfileAnswersItsOwnError) {
  Answer answer;
  fetch_together(services({}, {7}), 7, record(answer));
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.error, errc::profile_not_found);
  EXPECT_EQ(answer.at, 300ms);
}

TEST_F(FirstErrorStops, AStopFromOutsideCancelsBothAtOnce) {
  Answer answer;
  std::stop_source stop;
  fetch_together(services(), 7, record(answer), stop.get_token());
  reactor.call_after(100ms, [&] {
    stop.request_stop();
    stop.request_stop();
  });
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.error, errc::cancelled);
  EXPECT_EQ(answer.at, 100ms);
  EXPECT_EQ(reactor.now(), 100ms) << "both timers must be cancelled";
  EXPECT_EQ(reactor.stats().timers_cancelled, 2u);
}

TEST_F(FirstErrorStops, AStopAfterTheAnswerDoesNothing) {
  Answer answer;
  std::stop_source stop;
  fetch_together(services(), 7, record(answer), stop.get_token());
  reactor.run();
  stop.request_stop();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_FALSE(answer.error);
}

}  // namespace
}  // namespace evo::exercises
