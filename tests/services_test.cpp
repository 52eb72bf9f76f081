// Specifies common/services (the simulated backend) and common/errors: each
// fetch answers once, after its latency on the virtual clock, with the value
// or with an evo::errc and a default value.
#include "common/services.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include "common/errors.hpp"

namespace {

using namespace std::chrono_literals;
using evo::ClockMode;
using evo::Profile;
using evo::Reactor;
using evo::ServiceConfig;
using evo::Services;
using evo::User;

// What a handler saw: how often it ran, when, and with what.
template <class T>
struct Answer {
  int calls = 0;
  evo::Duration at{-1};
  std::error_code error;
  T value;
};

template <class T>
evo::Handler<T> record(Reactor& reactor, Answer<T>& answer) {
  return [&reactor, &answer](std::error_code ec, T value) {
    ++answer.calls;
    answer.at = reactor.now();
    answer.error = ec;
    answer.value = std::move(value);
  };
}

ServiceConfig config(evo::Duration user_latency, evo::Duration profile_latency) {
  ServiceConfig c;
  c.user_latency = user_latency;
  c.profile_latency = profile_latency;
  return c;
}

TEST(Services, FetchUserAnswersOnceAfterTheUserLatency) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config(200ms, 300ms));
  Answer<User> answer;
  services.fetch_user(42, record(reactor, answer));

  EXPECT_EQ(answer.calls, 0) << "the handler must not run before the loop does";
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.at, 200ms);
  EXPECT_FALSE(answer.error) << answer.error.message();
  EXPECT_EQ(answer.value.id, 42);
  EXPECT_FALSE(answer.value.name.empty());
}

TEST(Services, FetchProfileAnswersOnceAfterTheProfileLatency) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config(200ms, 1500ms));
  Answer<Profile> answer;
  services.fetch_profile(7, record(reactor, answer));

  EXPECT_EQ(answer.calls, 0);
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.at, 1500ms);
  EXPECT_FALSE(answer.error) << answer.error.message();
  EXPECT_EQ(answer.value.user_id, 7);
  EXPECT_FALSE(answer.value.bio.empty());
}

TEST(Services, DefaultLatenciesAre200msForUsersAnd300msForProfiles) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, ServiceConfig{});
  Answer<User> user;
  Answer<Profile> profile;
  services.fetch_user(1, record(reactor, user));
  services.fetch_profile(1, record(reactor, profile));
  reactor.run();

  EXPECT_EQ(user.at, 200ms);
  EXPECT_EQ(profile.at, 300ms);
  EXPECT_EQ(reactor.now(), 300ms) << "the two fetches overlap: 300 ms, not 500 ms";
}

TEST(Services, ConcurrentFetchesEachGetTheirOwnAnswer) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, config(100ms, 100ms));
  Answer<User> first, second;
  services.fetch_user(1, record(reactor, first));
  services.fetch_user(2, record(reactor, second));
  reactor.run();

  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(second.calls, 1);
  EXPECT_EQ(first.value.id, 1);
  EXPECT_EQ(second.value.id, 2);
  EXPECT_EQ(reactor.now(), 100ms);
}

TEST(Services, FailingUserAnswersUserNotFoundWithADefaultUser) {
  Reactor reactor(ClockMode::virtual_time);
  ServiceConfig c = config(200ms, 300ms);
  c.failing_users = {7};
  Services services(reactor, c);
  Answer<User> failed, fine;
  Answer<Profile> profile;
  services.fetch_user(7, record(reactor, failed));
  services.fetch_user(8, record(reactor, fine));
  services.fetch_profile(7, record(reactor, profile));
  reactor.run();

  EXPECT_EQ(failed.calls, 1);
  EXPECT_EQ(failed.at, 200ms) << "a failure takes the round trip too";
  EXPECT_EQ(failed.error, evo::errc::user_not_found);
  EXPECT_EQ(failed.value.id, 0);
  EXPECT_TRUE(failed.value.name.empty());
  EXPECT_FALSE(fine.error) << "only the configured id fails";
  EXPECT_FALSE(profile.error) << "a failing user does not fail that user's profile";
}

TEST(Services, FailingProfileAnswersProfileNotFoundWithADefaultProfile) {
  Reactor reactor(ClockMode::virtual_time);
  ServiceConfig c = config(200ms, 300ms);
  c.failing_profiles = {7};
  Services services(reactor, c);
  Answer<Profile> failed;
  Answer<User> user;
  services.fetch_profile(7, record(reactor, failed));
  services.fetch_user(7, record(reactor, user));
  reactor.run();

  EXPECT_EQ(failed.calls, 1);
  EXPECT_EQ(failed.at, 300ms);
  EXPECT_EQ(failed.error, evo::errc::profile_not_found);
  EXPECT_EQ(failed.value.user_id, 0);
  EXPECT_TRUE(failed.value.bio.empty());
  EXPECT_FALSE(user.error);
}

TEST(Services, IdsBelowOneAreNotFound) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, ServiceConfig{});
  Answer<User> zero_user, negative_user;
  Answer<Profile> zero_profile, negative_profile;
  services.fetch_user(0, record(reactor, zero_user));
  services.fetch_user(-3, record(reactor, negative_user));
  services.fetch_profile(0, record(reactor, zero_profile));
  services.fetch_profile(-3, record(reactor, negative_profile));
  reactor.run();

  EXPECT_EQ(zero_user.error, evo::errc::user_not_found);
  EXPECT_EQ(negative_user.error, evo::errc::user_not_found);
  EXPECT_EQ(zero_profile.error, evo::errc::profile_not_found);
  EXPECT_EQ(negative_profile.error, evo::errc::profile_not_found);
  EXPECT_EQ(zero_user.calls + negative_user.calls + zero_profile.calls + negative_profile.calls, 4);
}

// Asio's rule: a handler is never called from inside the function that
// started the operation, not even when the answer is known at once (an id
// that cannot exist, a configured failure).
TEST(Services, ErrorsKnownAtOnceStillAnswerFromTheLoop) {
  Reactor reactor(ClockMode::virtual_time);
  ServiceConfig c;
  c.failing_users = {7};
  c.failing_profiles = {7};
  Services services(reactor, c);
  Answer<User> invalid_user, failing_user;
  Answer<Profile> invalid_profile, failing_profile;
  services.fetch_user(0, record(reactor, invalid_user));
  services.fetch_user(7, record(reactor, failing_user));
  services.fetch_profile(-1, record(reactor, invalid_profile));
  services.fetch_profile(7, record(reactor, failing_profile));
  EXPECT_EQ(invalid_user.calls + failing_user.calls + invalid_profile.calls + failing_profile.calls,
            0)
      << "no handler may run inside the call that started it";
  reactor.run();
  EXPECT_EQ(invalid_user.calls + failing_user.calls + invalid_profile.calls + failing_profile.calls,
            4);
}

TEST(Services, PostResultAnswersFromTheLoopNotBeforeReturning) {
  Reactor reactor(ClockMode::virtual_time);
  Answer<std::vector<int>> answer;
  evo::post_result(reactor, std::vector<int>{1, 2}, record(reactor, answer));
  EXPECT_EQ(answer.calls, 0);
  reactor.run();
  EXPECT_EQ(answer.calls, 1);
  EXPECT_FALSE(answer.error);
  EXPECT_EQ(answer.value, (std::vector<int>{1, 2}));
  EXPECT_EQ(answer.at, 0ms) << "posted, not delayed";
}

// A stage-1 retry loop: on any error, its handler fetches again. Destroying
// the reactor while a fetch is pending must end at once, run no handler and
// leak nothing (the handler is dropped with the timer that held it).
TEST(Services, RetryLoopPendingWhenTheReactorIsDestroyedEndsWithoutRunningAHandler) {
  struct Retry {
    Services* services;
    int* handler_runs;
    int attempts_left;
    void operator()(std::error_code ec, User) {
      ++*handler_runs;
      if (ec && attempts_left > 0) {
        services->fetch_user(7, Retry{services, handler_runs, attempts_left - 1});
      }
    }
  };
  int handler_runs = 0;
  auto start = std::chrono::steady_clock::now();
  {
    Reactor reactor(ClockMode::virtual_time);
    ServiceConfig c;
    c.failing_users = {7};  // every attempt fails: only the bound ends the loop
    Services services(reactor, c);
    services.fetch_user(7, Retry{&services, &handler_runs, 100'000});
    ASSERT_EQ(reactor.pending(), 1u);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(handler_runs, 0) << "teardown runs no handler";
  EXPECT_EQ(evo::live_handlers(), 0u);
}

TEST(Services, HandlerRunsUnderTheCallersLabel) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, ServiceConfig{});
  std::string label;
  reactor.spawn("user 42", [&] {
    services.fetch_user(42, [&](std::error_code, User) { label = reactor.current_label(); });
  });
  reactor.run();
  EXPECT_EQ(label, "user 42");
}

TEST(Services, LeavesNoHandlerAliveAfterTheRun) {
  {
    Reactor reactor(ClockMode::virtual_time);
    ServiceConfig c;
    c.failing_users = {2};
    Services services(reactor, c);
    services.fetch_user(1, [](std::error_code, User) {});
    services.fetch_user(2, [](std::error_code, User) {});
    services.fetch_profile(1, [](std::error_code, Profile) {});
    reactor.run();
    EXPECT_EQ(reactor.pending(), 0u);
  }
  EXPECT_EQ(evo::live_handlers(), 0u);
}

// ---- errors -------------------------------------------------------------------

TEST(Errors, CategoryIsNamedEvo) {
  EXPECT_STREQ(evo::error_category().name(), "evo");
}

TEST(Errors, EveryCodeHasAMessage) {
  for (evo::errc e :
       {evo::errc::user_not_found, evo::errc::profile_not_found, evo::errc::timeout,
        evo::errc::connection_failed, evo::errc::bad_response, evo::errc::broken_promise}) {
    EXPECT_FALSE(evo::make_error_code(e).message().empty()) << static_cast<int>(e);
  }
  EXPECT_FALSE(evo::error_category().message(999).empty()) << "even an unknown value reads";
}

TEST(Errors, MessagesTellTheCodesApart) {
  EXPECT_NE(evo::make_error_code(evo::errc::user_not_found).message(),
            evo::make_error_code(evo::errc::profile_not_found).message());
}

TEST(Errors, ErrcConvertsImplicitlyToErrorCode) {
  std::error_code ec = evo::errc::timeout;
  EXPECT_TRUE(ec);
  EXPECT_EQ(&ec.category(), &evo::error_category());
  EXPECT_EQ(ec.value(), static_cast<int>(evo::errc::timeout));
  EXPECT_EQ(ec, evo::errc::timeout);
  EXPECT_NE(ec, evo::errc::user_not_found);
  EXPECT_NE(std::error_code{}, evo::errc::timeout);
  EXPECT_EQ(ec.message(), evo::error_category().message(ec.value()));
}

TEST(Errors, NoErrcIsZero) {
  // Zero means success for std::error_code: no failure may be spelled that way.
  for (evo::errc e :
       {evo::errc::user_not_found, evo::errc::profile_not_found, evo::errc::timeout,
        evo::errc::connection_failed, evo::errc::bad_response, evo::errc::broken_promise}) {
    EXPECT_TRUE(evo::make_error_code(e)) << static_cast<int>(e);
  }
}

}  // namespace
