// Checks the join_counter exercise against its contract
// (stage1_callbacks/exercises/join_counter.hpp).
#include "stage1_callbacks/exercises/join_counter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/trace.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;
using Names = std::vector<std::string>;

// What the handler saw: how often it ran, when, with what, and how much work
// the loop still had at that moment.
struct Answer {
  int calls = 0;
  Duration at{-1};
  std::error_code error;
  Names names;
  std::size_t pending_then = 0;
};

class JoinCounter : public ::testing::Test {
 protected:
  JoinCounter() { reactor.set_observer(&recorder); }

  Services& services(ServiceConfig config = {}) {
    config.user_latency = 200ms;
    return services_.emplace(reactor, std::move(config));
  }

  Handler<Names> record(Answer& answer) {
    return [this, &answer](std::error_code ec, Names names) {
      ++answer.calls;
      answer.at = reactor.now();
      answer.error = ec;
      answer.names = std::move(names);
      answer.pending_then = reactor.pending();
    };
  }

  std::size_t fetches_started_at(Duration time) const {
    return std::count_if(recorder.entries().begin(), recorder.entries().end(), [&](auto& e) {
      return e.kind == EventKind::timer_armed && e.detail == "fetch_user" && e.time == time;
    });
  }

  std::size_t handlers_before = live_handlers();
  Recorder recorder;
  Reactor reactor{ClockMode::virtual_time};
  std::optional<Services> services_;
};

TEST_F(JoinCounter, CallsTheHandlerOnceWithAllNamesInTheOrderOfIds) {
  Answer answer;
  fetch_names(services(), {3, 1, 4, 2}, record(answer));
  EXPECT_EQ(answer.calls, 0) << "the names arrive later, from the loop: not before run()";
  reactor.run();
  EXPECT_EQ(answer.calls, 1) << "the handler must be called exactly once";
  EXPECT_FALSE(answer.error) << answer.error.message();
  EXPECT_EQ(answer.names, (Names{"Dennis", "Grace", "Frances", "Barbara"}))
      << "names[i] must be the name of ids[i]";
  EXPECT_EQ(live_handlers(), handlers_before) << "a handler was kept alive after the run";
}

TEST_F(JoinCounter, FetchesEveryUserAtOnce) {
  Answer answer;
  fetch_names(services(), {1, 2, 3, 4, 5}, record(answer));
  reactor.run();
  EXPECT_EQ(fetches_started_at(0ms), 5u)
      << "all five fetch_user calls must start at time 0, before any reply comes back";
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.at, 200ms)
      << "five fetches of 200ms each, side by side, take 200ms; one after another they "
         "would take 1000ms";
  EXPECT_EQ(answer.names.size(), 5u);
}

// The replies all come at 200ms; the loop runs them in a shuffled order, so a
// solution that appends names as they arrive gets them in the wrong order.
TEST_F(JoinCounter, KeepsTheOrderOfIdsWhateverOrderTheRepliesComeIn) {
  const std::vector<UserId> ids{1, 2, 3, 4, 5, 6, 7};
  const Names expected{"Grace", "Barbara", "Dennis", "Frances", "Ken", "Margaret", "Bjarne"};
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Reactor shuffled(ClockMode::virtual_time);
    shuffled.shuffle_ready_order(seed);
    ServiceConfig config;
    config.user_latency = 200ms;
    Services services(shuffled, config);
    Answer answer;
    fetch_names(services, ids, record(answer));
    shuffled.run();
    EXPECT_EQ(answer.calls, 1);
    EXPECT_EQ(answer.names, expected)
        << "with the replies shuffled by seed " << seed << ": names[i] must be the name of ids[i]";
  }
}

// Equal keys, more of them than a small-sort threshold (16): twenty ids, most
// of them the same user, replies shuffled. A solution that finds a reply's
// slot by its id (the first slot with that id) fills one slot per user and
// leaves the others empty; slot i belongs to ids[i], not to the id.
TEST_F(JoinCounter, RepeatedIdsFillEverySlotWhateverOrderTheRepliesComeIn) {
  std::vector<UserId> ids;
  Names expected;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(i % 4 == 3 ? 5 : 2);
    expected.push_back(i % 4 == 3 ? "Ken" : "Barbara");
  }
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    Reactor shuffled(ClockMode::virtual_time);
    shuffled.shuffle_ready_order(seed);
    Services services(shuffled, {});
    Answer answer;
    fetch_names(services, ids, record(answer));
    shuffled.run();
    EXPECT_EQ(answer.calls, 1) << "seed " << seed;
    EXPECT_EQ(answer.names, expected)
        << "seed " << seed << ": the same id twenty times over still fills twenty names";
  }
}

TEST_F(JoinCounter, AnswersTheFirstErrorOnceAndAtOnce) {
  ServiceConfig config;
  config.failing_users = {7, 9};
  Answer answer;
  // User 7's reply comes first: the other four are still on their way then.
  fetch_names(services(config), {7, 1, 9, 2, 3}, record(answer));
  reactor.run();
  EXPECT_EQ(answer.calls, 1)
      << "two users fail, but the handler must be called once: the later error and the "
         "later names are dropped";
  EXPECT_EQ(answer.error, errc::user_not_found);
  EXPECT_TRUE(answer.names.empty()) << "on error the value is empty ({})";
  EXPECT_EQ(answer.at, 200ms);
  EXPECT_GT(answer.pending_then, 0u)
      << "when the first error came, the other fetches must still have been on their way: "
         "start them all at once, and answer the error from the callback that brings it, "
         "without waiting for the other replies";
  EXPECT_EQ(reactor.pending(), 0u);
  EXPECT_EQ(live_handlers(), handlers_before)
      << "after the error answered, the late replies must still free everything";
}

TEST_F(JoinCounter, AnErrorInTheLastReplyStillAnswersOnce) {
  ServiceConfig config;
  config.failing_users = {5};
  Answer answer;
  fetch_names(services(config), {1, 2, 3, 4, 5}, record(answer));
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.error, errc::user_not_found)
      << "four names arrived, but the fifth failed: the caller gets the error, not names";
  EXPECT_EQ(live_handlers(), handlers_before);
}

TEST_F(JoinCounter, NoIdsAnswersFromTheLoopNotBeforeReturning) {
  Answer answer;
  answer.names = {"not cleared"};
  fetch_names(services(), {}, record(answer));
  EXPECT_EQ(answer.calls, 0)
      << "even with nothing to wait for, the handler must not run inside fetch_names "
         "(Asio's rule): post the answer (evo::post_result)";
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_FALSE(answer.error) << answer.error.message();
  EXPECT_TRUE(answer.names.empty());
  EXPECT_EQ(answer.at, 0ms) << "the posted answer needs no wait";
  EXPECT_EQ(live_handlers(), handlers_before);
}

}  // namespace
}  // namespace evo::exercises
