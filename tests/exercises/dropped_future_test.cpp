// Checks the dropped_future exercise against its contract
// (stage2_futures/exercises/dropped_future.hpp).
#include "stage2_futures/exercises/dropped_future.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "common/reactor.hpp"
#include "common/services.hpp"
#include "common/trace.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;

ServiceConfig config(std::set<UserId> failing_users = {}) {
  ServiceConfig c;
  c.user_latency = 200ms;
  c.profile_latency = 300ms;
  c.failing_users = std::move(failing_users);
  return c;
}

// The user the service gives for `id`, asked through its callback API.
User user_from_the_service(UserId id) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config());
  User user;
  services.fetch_user(id, [&](std::error_code, User u) { user = std::move(u); });
  reactor.run();
  return user;
}

// What the caller saw: how many completions, the last one, and when.
struct Outcome {
  int calls = 0;
  std::error_code error;
  std::pair<User, User> users;
  Duration at{};
};

void watch(stage2::Future<std::pair<User, User>> future, Reactor& reactor, Outcome& outcome) {
  ASSERT_TRUE(future.valid()) << "fetch_both must return a future tied to the work";
  std::move(future).on_complete(
      [&reactor, &outcome](std::error_code ec, std::pair<User, User> users) {
        ++outcome.calls;
        outcome.error = ec;
        outcome.users = std::move(users);
        outcome.at = reactor.now();
      });
}

std::vector<Duration> user_fetches_started(const Recorder& recorder) {
  std::vector<Duration> times;
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::timer_armed && e.detail == "fetch_user") times.push_back(e.time);
  }
  return times;
}

class DroppedFuture : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(stage2::live_states(), 0u)
        << "a future's shared state outlived the run: something holds a promise or a future";
    EXPECT_EQ(live_handlers(), 0u) << "a callback outlived the run";
  }
};

TEST_F(DroppedFuture, GivesBothUsersInOrder) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config());
  Outcome outcome;
  watch(fetch_both(services, 2, 5), reactor, outcome);
  EXPECT_EQ(outcome.calls, 0) << "nothing can be fetched before the loop runs";
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "the caller hears back exactly once";
  EXPECT_FALSE(outcome.error) << outcome.error.message();
  EXPECT_EQ(outcome.users.first.id, 2);
  EXPECT_EQ(outcome.users.first.name, user_from_the_service(2).name);
  EXPECT_EQ(outcome.users.second.id, 5);
  EXPECT_EQ(outcome.users.second.name, user_from_the_service(5).name);
}

TEST_F(DroppedFuture, TakesOneLatencyNotTwo) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config());
  Outcome outcome;
  watch(fetch_both(services, 2, 5), reactor, outcome);
  reactor.run();
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.at, 200ms)
      << "the two fetches must be in flight together: the pair arrives after ONE user latency "
         "(200ms); 400ms means b was fetched only after a had arrived";
  EXPECT_EQ(reactor.now(), 200ms) << "the loop had nothing left to do after one latency";
}

TEST_F(DroppedFuture, FetchesEachUserOnceBothAtTheStart) {
  Reactor reactor(ClockMode::virtual_time);
  Recorder recorder;
  reactor.set_observer(&recorder);
  Services services(reactor, config());
  Outcome outcome;
  watch(fetch_both(services, 2, 5), reactor, outcome);
  reactor.run();
  EXPECT_EQ(user_fetches_started(recorder), (std::vector<Duration>{0ms, 0ms}))
      << "two users, two fetches, both started at once; a fetch whose answer nobody reads is a "
         "request wasted";
}

TEST_F(DroppedFuture, AFailingFirstUserFailsTheWholeFetch) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config({2}));
  Outcome outcome;
  watch(fetch_both(services, 2, 5), reactor, outcome);
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "the error reaches the caller exactly once";
  EXPECT_EQ(outcome.error, errc::user_not_found);
  EXPECT_EQ(outcome.at, 200ms) << "the error answers as soon as it arrives";
}

TEST_F(DroppedFuture, AFailingSecondUserFailsTheWholeFetchAtOnce) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config({5}));
  Outcome outcome;
  watch(fetch_both(services, 2, 5), reactor, outcome);
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "the error reaches the caller exactly once";
  EXPECT_EQ(outcome.error, errc::user_not_found);
  EXPECT_EQ(outcome.at, 200ms)
      << "b's fetch fails after one latency, and that error is the answer then; 400ms means b's "
         "first answer was lost and b was asked again";
}

TEST_F(DroppedFuture, TwoFailuresAnswerOnce) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config({2, 5}));
  Outcome outcome;
  watch(fetch_both(services, 2, 5), reactor, outcome);
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "the first error wins; the second is dropped";
  EXPECT_EQ(outcome.error, errc::user_not_found);
  EXPECT_EQ(outcome.at, 200ms);
}

}  // namespace
}  // namespace evo::exercises
