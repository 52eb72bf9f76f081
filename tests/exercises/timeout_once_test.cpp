// Checks the timeout_once exercise against its contract
// (stage1_callbacks/exercises/timeout_once.hpp).
#include "stage1_callbacks/exercises/timeout_once.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <system_error>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/trace.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;

// What the handler saw: how often it ran, when, and with what.
struct Answer {
  int calls = 0;
  Duration at{-1};
  std::error_code error;
  User user;
};

class TimeoutOnce : public ::testing::Test {
 protected:
  TimeoutOnce() { reactor.set_observer(&recorder); }

  Services& services(Duration user_latency, std::set<UserId> failing_users = {}) {
    ServiceConfig config;
    config.user_latency = user_latency;
    config.failing_users = std::move(failing_users);
    return services_.emplace(reactor, std::move(config));
  }

  Handler<User> record(Answer& answer) {
    return [this, &answer](std::error_code ec, User user) {
      ++answer.calls;
      answer.at = reactor.now();
      answer.error = ec;
      answer.user = std::move(user);
    };
  }

  // Timers armed by anyone but the services: the deadline.
  std::size_t deadlines_armed(Duration timeout) const {
    return std::count_if(recorder.entries().begin(), recorder.entries().end(), [&](auto& e) {
      return e.kind == EventKind::timer_armed && e.detail != "fetch_user" &&
             e.duration == timeout && e.time == 0ms;
    });
  }

  std::size_t count(EventKind kind) const {
    return std::count_if(recorder.entries().begin(), recorder.entries().end(),
                         [&](auto& e) { return e.kind == kind; });
  }

  std::size_t handlers_before = live_handlers();
  Recorder recorder;
  Reactor reactor{ClockMode::virtual_time};
  std::optional<Services> services_;
};

TEST_F(TimeoutOnce, AnswersWithTheUserWhenItComesFirst) {
  Answer answer;
  fetch_user_within(services(200ms), 3, 500ms, record(answer));
  EXPECT_EQ(answer.calls, 0) << "the answer comes later, from the loop: not before run()";
  reactor.run();
  EXPECT_EQ(answer.calls, 1) << "the handler must be called exactly once";
  EXPECT_FALSE(answer.error) << answer.error.message();
  EXPECT_EQ(answer.user.id, 3);
  EXPECT_EQ(answer.user.name, "Dennis");
  EXPECT_EQ(answer.at, 200ms) << "the user comes after 200ms; the 500ms deadline never matters";
  EXPECT_EQ(live_handlers(), handlers_before) << "a handler was kept alive after the run";
}

TEST_F(TimeoutOnce, ArmsTheDeadlineOnTheReactor) {
  Answer answer;
  fetch_user_within(services(200ms), 3, 500ms, record(answer));
  reactor.run();
  EXPECT_EQ(deadlines_armed(500ms), 1u)
      << "the deadline must be a reactor timer of `timeout`, armed when the call starts";
  EXPECT_EQ(count(EventKind::blocked), 0u) << "never block the loop to wait";
}

TEST_F(TimeoutOnce, CancelsTheDeadlineWhenTheUserWins) {
  Answer answer;
  fetch_user_within(services(200ms), 3, 5s, record(answer));
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(reactor.now(), 200ms)
      << "run() went on until the 5s deadline: once the user has come, cancel the timer "
         "(reactor.cancel), so the loop does not wait for a deadline that no longer matters";
  EXPECT_EQ(live_handlers(), handlers_before);
}

TEST_F(TimeoutOnce, TimesOutAtTheDeadlineAndDropsTheLateReply) {
  Answer answer;
  fetch_user_within(services(500ms), 3, 200ms, record(answer));
  reactor.run();
  EXPECT_EQ(answer.calls, 1)
      << "the deadline answered at 200ms; the user who comes at 500ms must be dropped";
  EXPECT_EQ(answer.error, errc::timeout);
  EXPECT_EQ(answer.at, 200ms) << "errc::timeout must come at the deadline, not with the reply";
  EXPECT_EQ(answer.user.id, 0) << "on error the value is empty ({})";
  EXPECT_EQ(reactor.pending(), 0u);
  EXPECT_EQ(live_handlers(), handlers_before)
      << "after the late reply has come, nothing may stay alive";
}

TEST_F(TimeoutOnce, PassesTheFetchErrorThrough) {
  Answer answer;
  fetch_user_within(services(200ms, {3}), 3, 500ms, record(answer));
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.error, errc::user_not_found)
      << "the fetch failed before the deadline: the caller gets its error, unchanged";
  EXPECT_EQ(answer.at, 200ms);
  EXPECT_EQ(reactor.now(), 200ms) << "an error also wins the race: cancel the deadline";
  EXPECT_EQ(live_handlers(), handlers_before);
}

// Many races at once on one loop: each caller hears once, from the right racer.
TEST_F(TimeoutOnce, RacesSideBySideEachAnsweredOnce) {
  services(300ms);
  Answer fast, slow, failing;
  fetch_user_within(*services_, 1, 400ms, record(fast));
  fetch_user_within(*services_, 2, 100ms, record(slow));
  fetch_user_within(*services_, -1, 400ms, record(failing));
  reactor.run();
  EXPECT_EQ(fast.calls, 1);
  EXPECT_FALSE(fast.error) << fast.error.message();
  EXPECT_EQ(fast.at, 300ms);
  EXPECT_EQ(slow.calls, 1);
  EXPECT_EQ(slow.error, errc::timeout);
  EXPECT_EQ(slow.at, 100ms);
  EXPECT_EQ(failing.calls, 1);
  EXPECT_EQ(failing.error, errc::user_not_found);
  EXPECT_EQ(reactor.now(), 300ms) << "no deadline may keep the loop running after the replies";
  EXPECT_EQ(live_handlers(), handlers_before);
}

}  // namespace
}  // namespace evo::exercises
