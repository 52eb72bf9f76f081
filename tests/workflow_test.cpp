// One specification of the workflow, checked against all three stages
// (GoogleTest typed tests): a behaviour is written once and must hold for
// callbacks, futures and coroutines alike.
#include "stage1_callbacks/adapter.hpp"
#include "stage2_futures/adapter.hpp"
#include "stage3_coroutines/adapter.hpp"
#include "stage3_coroutines/lowered_adapter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stop_token>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/scenario.hpp"
#include "common/trace.hpp"

namespace evo {
namespace {

using namespace std::chrono_literals;

struct Stage1 {
  static const StageApi& api() { return stage1::stage_api(); }
};
struct Stage2 {
  static const StageApi& api() { return stage2::stage_api(); }
};
struct Stage3 {
  static const StageApi& api() { return stage3::stage_api(); }
};
// Stage 3 with its coroutines lowered by hand (stage3_coroutines/lowered.cpp).
struct Stage3Lowered {
  static const StageApi& api() { return stage3::lowered::stage_api(); }
};

// What the final handler saw: how often it ran, when, and with what.
template <class T>
struct Seen {
  int calls = 0;
  Duration at{};
  std::error_code error;
  T value{};
};

template <class Stage>
class Workflow : public ::testing::Test {
 protected:
  void SetUp() override { reactor.set_observer(&recorder); }

  // After every test: the loop is drained and nothing the stage made is
  // still alive (handlers, future states, coroutine frames).
  void TearDown() override {
    EXPECT_EQ(reactor.pending(), 0u);
    EXPECT_EQ(live_handlers(), 0u) << "a handler leaked";
    EXPECT_EQ(api.live_objects(), 0u) << "a future state or coroutine frame leaked";
  }

  template <class T>
  Handler<T> record(Seen<T>& seen) {
    return [this, &seen](std::error_code ec, T value) {
      ++seen.calls;
      seen.at = reactor.now();
      seen.error = ec;
      seen.value = std::move(value);
    };
  }

  Services& services() {
    if (!services_) services_.emplace(reactor, config);
    return *services_;
  }

  std::size_t count(EventKind kind, std::string_view detail = {}) const {
    return std::count_if(recorder.entries().begin(), recorder.entries().end(), [&](const auto& e) {
      return e.kind == kind && (detail.empty() || e.detail == detail);
    });
  }

  const StageApi& api = Stage::api();
  Reactor reactor{ClockMode::virtual_time};
  Recorder recorder;
  ServiceConfig config;

 private:
  std::optional<Services> services_;
};

// The suite is built once per stage (EVO_STAGE=1, 2, 3) so that ctest can
// label it stage1, stage2, stage3, and once for the lowered stage 3
// (EVO_LOWERED, label stage3); without either it runs all four.
#if defined(EVO_LOWERED)
using Stages = ::testing::Types<Stage3Lowered>;
#elif EVO_STAGE == 1
using Stages = ::testing::Types<Stage1>;
#elif EVO_STAGE == 2
using Stages = ::testing::Types<Stage2>;
#elif EVO_STAGE == 3
using Stages = ::testing::Types<Stage3>;
#else
using Stages = ::testing::Types<Stage1, Stage2, Stage3, Stage3Lowered>;
#endif
TYPED_TEST_SUITE(Workflow, Stages);

TYPED_TEST(Workflow, TwoTasksTakeTheLongestDelayNotTheSum) {
  Seen<std::vector<std::string>> seen;
  this->api.two_tasks(this->services(), {2s, 1s, 0s}, this->record(seen));
  EXPECT_EQ(seen.calls, 0) << "nothing may complete before the loop runs";
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.error);
  EXPECT_EQ(seen.at, 2s);
  EXPECT_EQ(seen.value, (std::vector<std::string>{"Task A data", "Task B data"}));
  EXPECT_EQ(this->recorder.log_lines(),
            (std::vector<std::string>{"Task A: Starting", "Task B: Starting",
                                      "Task B: Got result after 1.000s",
                                      "Task A: Got result after 2.000s"}));
}

TYPED_TEST(Workflow, BlockingOneTaskDelaysTheOther) {
  Seen<std::vector<std::string>> seen;
  this->api.two_tasks(this->services(), {2s, 1s, 2500ms}, this->record(seen));
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.at, 3500ms);  // B blocked 2.5 s, then waited 1 s
  auto logs = this->recorder.log_lines();
  EXPECT_NE(std::find(logs.begin(), logs.end(), "Task A: Got result after 2.500s"), logs.end())
      << "Task A's 2 s timer cannot fire while Task B blocks the loop";
}

TYPED_TEST(Workflow, FetchUserAndProfileRunsTheCallsInSequence) {
  this->config.user_latency = 200ms;
  this->config.profile_latency = 300ms;
  Seen<UserProfile> seen;
  this->api.fetch_user_and_profile(this->services(), 7, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.error);
  EXPECT_EQ(seen.at, 500ms);
  EXPECT_EQ(seen.value.user.id, 7);
  EXPECT_FALSE(seen.value.user.name.empty());
  EXPECT_EQ(seen.value.profile.user_id, 7);
}

TYPED_TEST(Workflow, UserFailureReachesTheCallerOnceAndSkipsTheProfile) {
  this->config.failing_users = {7};
  Seen<UserProfile> seen;
  this->api.fetch_user_and_profile(this->services(), 7, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::user_not_found);
  EXPECT_EQ(seen.at, 200ms);
  EXPECT_EQ(this->count(EventKind::timer_armed, "fetch_profile"), 0u);
}

TYPED_TEST(Workflow, ProfileFailureReachesTheCallerOnce) {
  this->config.failing_profiles = {7};
  Seen<UserProfile> seen;
  this->api.fetch_user_and_profile(this->services(), 7, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::profile_not_found);
  EXPECT_EQ(seen.at, 500ms);
}

TYPED_TEST(Workflow, FetchAllRunsConcurrentlyAndKeepsIdOrder) {
  Seen<std::vector<UserProfile>> seen;
  this->api.fetch_all(this->services(), {5, 3, 9, 1}, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.error);
  EXPECT_EQ(seen.at, 500ms) << "four chains of 500 ms, side by side, take 500 ms, not 2 s";
  ASSERT_EQ(seen.value.size(), 4u);
  EXPECT_EQ(seen.value[0].user.id, 5);
  EXPECT_EQ(seen.value[1].user.id, 3);
  EXPECT_EQ(seen.value[2].user.id, 9);
  EXPECT_EQ(seen.value[3].user.id, 1);
  EXPECT_EQ(this->count(EventKind::spawn), 4u) << "one task per user";
}

TYPED_TEST(Workflow, FetchAllReportsTheFirstErrorOnlyOnce) {
  this->config.failing_users = {3};
  this->config.failing_profiles = {9};
  Seen<std::vector<UserProfile>> seen;
  this->api.fetch_all(this->services(), {5, 3, 9, 1}, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::user_not_found);
  EXPECT_EQ(seen.at, 200ms) << "the first error answers at once";
  EXPECT_EQ(this->reactor.now(), 200ms) << "and the other fetches are cancelled with it";
}

// Nothing to fetch, so the answer is known at once; it still comes from the
// loop, never from inside fetch_all (Asio's rule, stage 1's README). The
// completion is one posted callback, the same in every stage.
TYPED_TEST(Workflow, FetchAllOfNoUsersAnswersFromTheLoopNotBeforeReturning) {
  Seen<std::vector<UserProfile>> seen;
  this->api.fetch_all(this->services(), {}, this->record(seen), {});
  EXPECT_EQ(seen.calls, 0) << "the handler ran inside fetch_all";
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.error);
  EXPECT_TRUE(seen.value.empty());
  EXPECT_EQ(seen.at, 0s);
  EXPECT_EQ(
      this->recorder.lines(),
      (std::vector<std::string>{"0.000s main ready #1", "0.000s main run #1", "0.000s main done"}));
}

TYPED_TEST(Workflow, TimeoutAnswersAtTheDeadlineOnce) {
  Seen<UserProfile> seen;
  this->api.fetch_with_timeout(this->services(), 7, 400ms, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1) << "the cancelled fetch must not call the handler again";
  EXPECT_EQ(seen.error, errc::timeout);
  EXPECT_EQ(seen.at, 400ms);
}

TYPED_TEST(Workflow, TimeoutThatLosesIsCancelled) {
  Seen<UserProfile> seen;
  this->api.fetch_with_timeout(this->services(), 7, 1s, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.error);
  EXPECT_EQ(seen.value.user.id, 7);
  EXPECT_EQ(this->count(EventKind::timer_cancelled, "timeout"), 1u);
  EXPECT_EQ(this->reactor.now(), 500ms) << "a cancelled timer does not keep the loop waiting";
}

TYPED_TEST(Workflow, TimeoutPassesAnEarlierErrorThrough) {
  this->config.failing_users = {7};
  Seen<UserProfile> seen;
  this->api.fetch_with_timeout(this->services(), 7, 1s, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::user_not_found);
  EXPECT_EQ(seen.at, 200ms);
}

TYPED_TEST(Workflow, TimeoutCancelsTheFetchAtTheDeadline) {
  Seen<UserProfile> seen;
  std::size_t pending_at_answer = 0;
  Handler<UserProfile> record = this->record(seen);
  this->api.fetch_with_timeout(this->services(), 7, 400ms,
                               [&](std::error_code ec, UserProfile value) {
                                 pending_at_answer = this->reactor.pending();
                                 record(ec, std::move(value));
                               },
                               {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::timeout);
  EXPECT_EQ(this->count(EventKind::timer_cancelled, "fetch_profile"), 1u);
  EXPECT_EQ(pending_at_answer, 0u) << "the loser's timer must be gone when the caller hears";
  EXPECT_EQ(this->reactor.now(), 400ms) << "nothing runs on after the deadline";
}

TYPED_TEST(Workflow, AFailedFanOutCancelsTheOthersAtOnce) {
  this->config.failing_users = {3};
  this->config.user_latency = 100ms;
  this->config.profile_latency = 100ms;
  Seen<std::vector<UserProfile>> seen;
  this->api.fetch_all(this->services(), {1, 2, 3, 4, 5}, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::user_not_found);
  EXPECT_EQ(seen.at, 100ms);
  EXPECT_EQ(this->reactor.now(), 100ms) << "no sibling may fetch its profile after the failure";
}

TYPED_TEST(Workflow, AFanOutOfTenThousandEndsAtTheFailureNotTheSlowestFetch) {
  this->config.failing_users = {5000};
  Seen<std::vector<UserProfile>> seen;
  std::vector<UserId> ids;
  for (UserId id = 1; id <= 10'000; ++id) ids.push_back(id);
  this->api.fetch_all(this->services(), ids, this->record(seen), {});
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::user_not_found);
  EXPECT_EQ(seen.at, 200ms);
  EXPECT_EQ(this->reactor.now(), 200ms) << "no profile fetch may run on to 500 ms";
  EXPECT_EQ(this->reactor.stats().timers_cancelled, 4999u)
      << "users 1..4999 had armed their profile fetch; 5001..10000 had not yet run";
}

TYPED_TEST(Workflow, ACancelFromOutsideStopsEveryFetchAndAnswersOnce) {
  Seen<std::vector<UserProfile>> seen;
  std::stop_source stop;
  this->api.fetch_all(this->services(), {1, 2, 3}, this->record(seen), stop.get_token());
  this->reactor.call_after(300ms, [&] {  // the users have arrived; the profiles are pending
    stop.request_stop();
    stop.request_stop();  // twice: nothing more happens
  });
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::cancelled);
  EXPECT_EQ(seen.at, 300ms);
  EXPECT_EQ(this->reactor.now(), 300ms);
  EXPECT_EQ(this->count(EventKind::timer_cancelled, "fetch_profile"), 3u);
}

TYPED_TEST(Workflow, ACancelBeforeTheStartAnswersFromTheLoop) {
  Seen<UserProfile> seen;
  std::stop_source stop;
  stop.request_stop();
  this->api.fetch_with_timeout(this->services(), 7, 1s, this->record(seen), stop.get_token());
  EXPECT_EQ(seen.calls, 0) << "never inside the initiating call";
  this->reactor.run();

  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::cancelled);
  EXPECT_EQ(this->reactor.now(), 0s) << "the deadline's timer was cancelled too";
}

TYPED_TEST(Workflow, CancellingAfterTheEndOrFromInsideTheHandlerIsSafe) {
  Seen<UserProfile> seen;
  std::stop_source stop;
  Handler<UserProfile> record = this->record(seen);
  this->api.fetch_user_and_profile(
      this->services(), 7,
      [&](std::error_code ec, UserProfile value) {
        stop.request_stop();  // from inside the final handler
        record(ec, std::move(value));
      },
      stop.get_token());
  this->reactor.run();
  stop.request_stop();  // and after the end

  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.error);
  EXPECT_EQ(seen.value.user.id, 7);
}

// The runner's scenarios, as the binaries start them: each finishes with one
// answer, on every stage.
TYPED_TEST(Workflow, EveryScenarioAnswersExactlyOnce) {
  for (ScenarioKind kind :
       {ScenarioKind::two_tasks, ScenarioKind::chain, ScenarioKind::fan_out, ScenarioKind::failure,
        ScenarioKind::timeout, ScenarioKind::blocking, ScenarioKind::cancel}) {
    Scenario scenario;
    scenario.kind = kind;
    if (kind == ScenarioKind::failure) scenario.services.failing_profiles = {scenario.id};
    if (kind == ScenarioKind::cancel) scenario.services.failing_users = {3};
    Reactor reactor(ClockMode::virtual_time);
    Services services(reactor, scenario.services);
    Outcome outcome;
    start_scenario(this->api, services, scenario, outcome);
    reactor.run();
    EXPECT_EQ(outcome.handler_calls, 1) << to_string(kind);
    bool should_fail = kind == ScenarioKind::failure || kind == ScenarioKind::timeout ||
                       kind == ScenarioKind::cancel;
    EXPECT_EQ(static_cast<bool>(outcome.error), should_fail) << to_string(kind);
  }
}

}  // namespace
}  // namespace evo
