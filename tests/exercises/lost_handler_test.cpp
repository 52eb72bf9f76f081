// Checks the lost_handler exercise against its contract
// (stage1_callbacks/exercises/lost_handler.hpp): one test per path, each
// counting how often the handler was called.
#include "stage1_callbacks/exercises/lost_handler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/trace.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;

// Every call of the handler, in order: a correct function leaves exactly one.
struct Call {
  std::error_code error;
  std::string value;
  Duration at;
};

std::string describe(const std::vector<Call>& calls) {
  std::string text;
  for (const Call& call : calls) {
    text += "\n  at " + format_seconds(call.at) + ": " +
            (call.error ? "error \"" + call.error.message() + "\"" : "\"" + call.value + "\"");
  }
  return text.empty() ? " (none)" : text;
}

class LostHandler : public ::testing::Test {
 protected:
  LostHandler() { reactor.set_observer(&recorder); }

  Services& services(std::set<UserId> failing_users = {}, std::set<UserId> failing_profiles = {}) {
    ServiceConfig config;
    config.user_latency = 200ms;
    config.profile_latency = 300ms;
    config.failing_users = std::move(failing_users);
    config.failing_profiles = std::move(failing_profiles);
    return services_.emplace(reactor, std::move(config));
  }

  Handler<std::string> record() {
    return [this](std::error_code ec, std::string value) {
      calls.push_back({ec, std::move(value), reactor.now()});
    };
  }

  std::size_t fetches(std::string_view which) const {
    return std::count_if(recorder.entries().begin(), recorder.entries().end(), [&](auto& e) {
      return e.kind == EventKind::timer_armed && e.detail == which;
    });
  }

  std::size_t handlers_before = live_handlers();
  Recorder recorder;
  Reactor reactor{ClockMode::virtual_time};
  std::optional<Services> services_;
  std::vector<Call> calls;
};

TEST_F(LostHandler, AnswersNameAndBioOnce) {
  fetch_display_name(services(), 1, record());
  EXPECT_TRUE(calls.empty()) << "the answer comes later, from the loop: not before run()";
  reactor.run();
  ASSERT_EQ(calls.size(), 1u) << "the handler must be called exactly once; its calls:"
                              << describe(calls);
  EXPECT_FALSE(calls[0].error) << calls[0].error.message();
  EXPECT_EQ(calls[0].value, "Grace (Grace writes async C++)");
  EXPECT_EQ(calls[0].at, 500ms) << "the user (200ms), then the profile (300ms)";
  EXPECT_EQ(live_handlers(), handlers_before) << "a handler was kept alive after the run";
}

TEST_F(LostHandler, AnswersUserNotFoundOnceForIdZero) {
  fetch_display_name(services(), 0, record());
  reactor.run();
  ASSERT_EQ(calls.size(), 1u)
      << "for id 0 the handler must be called once with errc::user_not_found. Called "
      << calls.size() << " times" << (calls.empty() ? ": the caller would wait forever" : "")
      << "; its calls:" << describe(calls);
  EXPECT_EQ(calls[0].error, errc::user_not_found);
  EXPECT_EQ(fetches("fetch_user") + fetches("fetch_profile"), 0u)
      << "id 0 is not a user: answer without fetching anything";
  EXPECT_EQ(live_handlers(), handlers_before);
}

TEST_F(LostHandler, AnswersUserNotFoundOnceForANegativeId) {
  fetch_display_name(services(), -7, record());
  reactor.run();
  ASSERT_EQ(calls.size(), 1u) << "for id -7 the handler must be called once; its calls:"
                              << describe(calls);
  EXPECT_EQ(calls[0].error, errc::user_not_found);
  EXPECT_EQ(fetches("fetch_user") + fetches("fetch_profile"), 0u);
}

TEST_F(LostHandler, AnswersAFailedUserOnceWithoutFetchingTheProfile) {
  fetch_display_name(services({4}), 4, record());
  reactor.run();
  ASSERT_FALSE(calls.empty()) << "fetch_user failed and the caller never heard of it";
  EXPECT_EQ(calls.size(), 1u)
      << "the handler must be called exactly once when fetch_user fails; its calls:"
      << describe(calls);
  EXPECT_EQ(calls[0].error, errc::user_not_found);
  EXPECT_EQ(calls[0].at, 200ms);
  EXPECT_EQ(fetches("fetch_profile"), 0u)
      << "after fetch_user failed, the code went on and fetched a profile";
  EXPECT_EQ(live_handlers(), handlers_before);
}

TEST_F(LostHandler, AnswersAFailedProfileOnce) {
  fetch_display_name(services({}, {5}), 5, record());
  reactor.run();
  ASSERT_EQ(calls.size(), 1u)
      << "the handler must be called exactly once when fetch_profile fails; its calls:"
      << describe(calls);
  EXPECT_EQ(calls[0].error, errc::profile_not_found);
  EXPECT_EQ(calls[0].at, 500ms);
  EXPECT_EQ(live_handlers(), handlers_before);
}

}  // namespace
}  // namespace evo::exercises
