// The repository's claim, checked: on the same scenario the three stages make
// the identical reactor trace (same events, times, labels, details, log lines,
// in the same order), so `co_await` is sugar over callbacks and nothing more.
// This proves the same scheduling, not the same cost: a future's shared state
// or a coroutine frame costs heap and time that no trace event shows. The
// benchmarks in bench/ measure that.
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/reactor.hpp"
#include "common/scenario.hpp"
#include "common/trace.hpp"
#include "record_trace.hpp"
#include "stage1_callbacks/adapter.hpp"
#include "stage2_futures/adapter.hpp"
#include "stage3_coroutines/adapter.hpp"
#include "stage3_coroutines/lowered_adapter.hpp"

namespace evo {
namespace {

using namespace std::chrono_literals;

struct Case {
  std::string name;
  Scenario scenario;
  // Does the caller get an error? nullopt: it depends on the ready order.
  std::optional<bool> fails;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }
};

Scenario make(ScenarioKind kind, auto&&... tweaks) {
  Scenario s;
  s.kind = kind;
  (tweaks(s), ...);
  return s;
}

auto latency(Duration user, Duration profile) {
  return [=](Scenario& s) {
    s.services.user_latency = user;
    s.services.profile_latency = profile;
  };
}
auto delays(Duration a, Duration b) {
  return [=](Scenario& s) {
    s.delay_a = a;
    s.delay_b = b;
  };
}
auto id(UserId id) {
  return [=](Scenario& s) { s.id = id; };
}
auto users(int n) {
  return [=](Scenario& s) { s.users = n; };
}
auto fail_user(UserId id) {
  return [=](Scenario& s) { s.services.failing_users.insert(id); };
}
auto fail_profile(UserId id) {
  return [=](Scenario& s) { s.services.failing_profiles.insert(id); };
}
auto deadline(Duration d) {
  return [=](Scenario& s) { s.timeout = d; };
}
auto block(Duration d) {
  return [=](Scenario& s) { s.block = d; };
}
auto cancel_after(Duration d) {
  return [=](Scenario& s) { s.cancel_after = d; };
}

using K = ScenarioKind;
const std::vector<Case> cases = {
    {"TwoTasksDefault", make(K::two_tasks), false},
    {"TwoTasksBFirst", make(K::two_tasks, delays(1s, 2s)), false},
    {"TwoTasksTie", make(K::two_tasks, delays(1s, 1s)), false},
    {"TwoTasksNoWait", make(K::two_tasks, delays(0s, 0s)), false},
    {"BlockingLong", make(K::blocking), false},
    {"BlockingShort", make(K::blocking, block(500ms)), false},
    {"ChainDefault", make(K::chain), false},
    {"ChainOtherId", make(K::chain, id(7), latency(1s, 1ms)), false},
    {"FanOutNoUsers", make(K::fan_out, users(0)), false},
    {"FanOutOne", make(K::fan_out, users(1)), false},
    {"FanOutThree", make(K::fan_out, users(3)), false},
    {"FanOutTen", make(K::fan_out, users(10), latency(10ms, 5ms)), false},
    {"FailureOfUser", make(K::failure, fail_user(42)), true},
    {"FailureOfProfile", make(K::failure, fail_profile(42)), true},
    {"FanOutFailingUser", make(K::fan_out, users(5), fail_user(3)), true},
    {"FanOutFailingUserAndProfile", make(K::fan_out, users(5), fail_profile(2), fail_user(4)),
     true},
    {"FanOutFailingProfileOnly", make(K::fan_out, users(4), fail_profile(4)), true},
    {"TimeoutWins", make(K::timeout), true},
    {"TimeoutLoses", make(K::timeout, deadline(1s)), false},
    // The reply and the deadline are due at the same instant, so both
    // callbacks are ready in one phase: FIFO runs the timer first (armed
    // first), a shuffled phase may not. Either way, all stages agree.
    {"TimeoutTie", make(K::timeout, deadline(500ms)), std::nullopt},
    {"TimeoutDuringUserFetch", make(K::timeout, deadline(100ms)), true},
    {"TimeoutAfterUserFailure", make(K::timeout, deadline(1s), fail_user(42)), true},
    {"TimeoutAfterProfileFailure", make(K::timeout, deadline(1s), fail_profile(42)), true},
    // Cancellation: the losers are stopped, and every stage stops them in the
    // same order at the same instant, so the traces still match.
    {"CancelScenario", make(K::cancel, users(5), fail_user(3)), true},
    {"CancelScenarioFailingProfile", make(K::cancel, users(6), fail_profile(4)), true},
    {"CancelFromOutsideDuringTheUserFetch", make(K::chain, cancel_after(100ms)), true},
    {"CancelFromOutsideDuringTheProfileFetch", make(K::failure, cancel_after(250ms)), true},
    {"CancelFromOutsideDuringAFanOut", make(K::fan_out, users(5), cancel_after(300ms)), true},
    {"CancelFromOutsideBeforeTheFanOutStarts", make(K::fan_out, users(3), cancel_after(0s)), true},
    {"CancelFromOutsideDuringATimeout", make(K::timeout, cancel_after(300ms)), true},
    {"CancelFromOutsideAfterTheEnd", make(K::chain, cancel_after(2s)), false},
    // The stop request and the reply are due at the same instant: either may win.
    {"CancelFromOutsideAtTheReply", make(K::chain, cancel_after(500ms)), std::nullopt},
};

// No seed: FIFO ready order. The seeds run every ready phase shuffled.
const std::vector<std::optional<std::uint64_t>> seeds = {std::nullopt, 1, 2, 3, 2024};

class Equivalence : public ::testing::TestWithParam<Case> {};

TEST_P(Equivalence, AllThreeStagesMakeTheSameTraceAndAnswerOnce) {
  const Case& c = GetParam();
  for (auto seed : seeds) {
    SCOPED_TRACE(seed ? "shuffle seed " + std::to_string(*seed) : "FIFO");
    Recorded one = record(stage1::stage_api(), c.scenario, seed);
    Recorded two = record(stage2::stage_api(), c.scenario, seed);
    Recorded three = record(stage3::stage_api(), c.scenario, seed);
    // Stage 3 with its coroutines lowered by hand (stage3_coroutines/lowered.cpp).
    Recorded lowered = record(stage3::lowered::stage_api(), c.scenario, seed);
    ASSERT_FALSE(one.trace.empty());
    EXPECT_EQ(one.trace, two.trace) << "stage 2 differs from stage 1";
    EXPECT_EQ(one.trace, three.trace) << "stage 3 differs from stage 1";
    EXPECT_EQ(one.trace, lowered.trace) << "the lowered stage 3 differs from stage 1";
    for (const Recorded* r : {&one, &two, &three, &lowered}) {
      EXPECT_EQ(r->outcome.handler_calls, 1);
      if (c.fails) {
        EXPECT_EQ(static_cast<bool>(r->outcome.error), *c.fails) << r->outcome.summary;
      }
      EXPECT_EQ(r->outcome.summary, one.outcome.summary);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Equivalence, ::testing::ValuesIn(cases),
                         [](const auto& info) { return info.param.name; });

TEST(Shuffle, ChangesTheOrderOfReadyTasksButNotTheResult) {
  Scenario fan_out = make(K::fan_out, users(6));
  Recorded fifo = record(stage1::stage_api(), fan_out, std::nullopt);
  Recorded shuffled = record(stage1::stage_api(), fan_out, 7);
  EXPECT_NE(fifo.trace, shuffled.trace) << "seed 7 should reorder at least one ready phase";
  EXPECT_EQ(fifo.outcome.summary, shuffled.outcome.summary) << "results stay in id order";
}

}  // namespace
}  // namespace evo
