// Checks the then_chain exercise against its contract (stage2_futures/exercises/then_chain.hpp).
#include "stage2_futures/exercises/then_chain.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/reactor.hpp"
#include "common/services.hpp"
#include "common/trace.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;

ServiceConfig config(std::set<UserId> failing_users = {}, std::set<UserId> failing_profiles = {}) {
  ServiceConfig c;
  c.user_latency = 200ms;
  c.profile_latency = 300ms;
  c.failing_users = std::move(failing_users);
  c.failing_profiles = std::move(failing_profiles);
  return c;
}

// The bio the service gives for `id`, asked through its callback API.
std::string bio_from_the_service(UserId id) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config());
  std::string bio;
  services.fetch_profile(id, [&](std::error_code, Profile profile) { bio = profile.bio; });
  reactor.run();
  return bio;
}

// What the caller saw: how many completions, with what, and when.
struct Outcome {
  int calls = 0;
  std::error_code error;
  std::string bio;
  Duration at{};
};

void watch(stage2::Future<std::string> future, Reactor& reactor, Outcome& outcome) {
  ASSERT_TRUE(future.valid()) << "profile_bio must return a future tied to the work";
  std::move(future).on_complete([&reactor, &outcome](std::error_code ec, std::string bio) {
    ++outcome.calls;
    outcome.error = ec;
    outcome.bio = std::move(bio);
    outcome.at = reactor.now();
  });
}

std::vector<Duration> armed_at(const Recorder& recorder, std::string_view what) {
  std::vector<Duration> times;
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::timer_armed && e.detail == what) times.push_back(e.time);
  }
  return times;
}

class ThenChain : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(stage2::live_states(), 0u)
        << "a future's shared state outlived the run: something holds a promise or a future";
    EXPECT_EQ(live_handlers(), 0u) << "a callback outlived the run";
  }
};

TEST_F(ThenChain, GivesTheBioOfTheUsersProfile) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config());
  Outcome outcome;
  watch(profile_bio(services, 3), reactor, outcome);
  EXPECT_EQ(outcome.calls, 0) << "nothing can be fetched before the loop runs";
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "the caller hears back exactly once";
  EXPECT_FALSE(outcome.error) << outcome.error.message();
  EXPECT_EQ(outcome.bio, bio_from_the_service(3));
}

TEST_F(ThenChain, FetchesTheProfileOnlyAfterTheUserArrives) {
  Reactor reactor(ClockMode::virtual_time);
  Recorder recorder;
  reactor.set_observer(&recorder);
  Services services(reactor, config());
  Outcome outcome;
  watch(profile_bio(services, 5), reactor, outcome);
  reactor.run();
  EXPECT_EQ(armed_at(recorder, "fetch_user"), std::vector<Duration>{0ms})
      << "one user fetch, started at once, through the reactor";
  EXPECT_EQ(armed_at(recorder, "fetch_profile"), std::vector<Duration>{200ms})
      << "one profile fetch, started when the user arrived (the profile needs the user)";
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.at, 500ms) << "the two lookups run one after the other: user latency (200ms) "
                                  "+ profile latency (300ms) of loop time";
}

TEST_F(ThenChain, AnUnknownUserSkipsTheProfileFetch) {
  Reactor reactor(ClockMode::virtual_time);
  Recorder recorder;
  reactor.set_observer(&recorder);
  Services services(reactor, config({7}));
  Outcome outcome;
  watch(profile_bio(services, 7), reactor, outcome);
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "the error reaches the caller exactly once";
  EXPECT_EQ(outcome.error, errc::user_not_found);
  EXPECT_EQ(outcome.at, 200ms) << "the error answers as soon as the user lookup fails";
  EXPECT_TRUE(armed_at(recorder, "fetch_profile").empty())
      << "no user, no profile to fetch: an error skips the rest of the chain";
}

TEST_F(ThenChain, AMissingProfileReachesTheCaller) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config({}, {4}));
  Outcome outcome;
  watch(profile_bio(services, 4), reactor, outcome);
  reactor.run();
  ASSERT_EQ(outcome.calls, 1) << "the error reaches the caller exactly once";
  EXPECT_EQ(outcome.error, errc::profile_not_found);
  EXPECT_EQ(outcome.at, 500ms);
}

TEST_F(ThenChain, TwoChainsRunSideBySide) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config());
  Outcome first, second;
  watch(profile_bio(services, 1), reactor, first);
  watch(profile_bio(services, 2), reactor, second);
  reactor.run();
  ASSERT_EQ(first.calls, 1);
  ASSERT_EQ(second.calls, 1);
  EXPECT_EQ(first.bio, bio_from_the_service(1));
  EXPECT_EQ(second.bio, bio_from_the_service(2));
  EXPECT_EQ(reactor.now(), 500ms)
      << "each chain waits on the loop, not on the thread, so two chains overlap";
}

}  // namespace
}  // namespace evo::exercises
