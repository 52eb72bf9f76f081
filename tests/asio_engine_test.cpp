// The Asio engine (--engine asio) against the hand reactor: every scenario of
// every stage tells the same story (the same log lines, the same outcome), on
// the virtual clock; the services written once with async_initiate answer
// with evo::errc; and nothing is left alive after a run.
#include "common/asio_combinators.hpp"

#include <gtest/gtest.h>
#include <sys/time.h>

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/asio_loop.hpp"
#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/scenario.hpp"
#include "common/trace.hpp"
#include "stage1_callbacks/adapter.hpp"
#include "stage2_futures/adapter.hpp"
#include "stage3_coroutines/adapter.hpp"

namespace evo {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

struct Story {
  Outcome outcome;
  std::vector<std::string> log;
  Duration total{};
  std::size_t live = 0;  // engine objects alive after the run: handlers, states, frames
};

Story run_hand(const StageApi& stage, const Scenario& scenario) {
  Story r;
  Recorder recorder;
  Reactor reactor(ClockMode::virtual_time);
  reactor.set_observer(&recorder);
  Services services(reactor, scenario.services);
  start_scenario(stage, services, scenario, r.outcome);
  reactor.run();
  r.log = recorder.log_lines();
  r.total = reactor.now();
  r.live = live_handlers() + stage.live_objects() + reactor.pending();
  return r;
}

Story run_asio(const StageApi& stage, const Scenario& scenario, Recorder* events = nullptr) {
  Story r;
  Recorder recorder;
  asio_engine::Loop loop(ClockMode::virtual_time);
  loop.set_observer(events ? events : &recorder);
  asio_engine::Services services(loop, scenario.services);
  start_scenario(*stage.asio, services, scenario, r.outcome);
  loop.run();
  r.log = (events ? events : &recorder)->log_lines();
  r.total = loop.now();
  r.live = live_handlers() + loop.live_handlers() + (loop.context().stopped() ? 0 : 1);
  return r;
}

struct Case {
  std::string name;
  Scenario scenario;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }
};

Scenario make(ScenarioKind kind, auto&&... tweaks) {
  Scenario s;
  s.kind = kind;
  (tweaks(s), ...);
  return s;
}

using K = ScenarioKind;
const std::vector<Case> cases = {
    {"TwoTasks", make(K::two_tasks)},
    {"TwoTasksBFirst", make(K::two_tasks, [](Scenario& s) { s.delay_a = 1s, s.delay_b = 2s; })},
    {"Chain", make(K::chain)},
    {"FanOut", make(K::fan_out)},
    {"FanOutNobody", make(K::fan_out, [](Scenario& s) { s.users = 0; })},
    {"Failure", make(K::failure, [](Scenario& s) { s.services.failing_profiles.insert(42); })},
    {"FailureOfTheUser", make(K::chain, [](Scenario& s) { s.services.failing_users.insert(42); })},
    {"FanOutFailure", make(K::fan_out, [](Scenario& s) { s.services.failing_users.insert(3); })},
    {"Timeout", make(K::timeout)},
    {"TimeoutNotReached", make(K::timeout, [](Scenario& s) { s.timeout = 2s; })},
    {"Blocking", make(K::blocking)},
    {"Cancel", make(K::cancel, [](Scenario& s) { s.services.failing_users.insert(3); })},
};

const StageApi* const stages[] = {&stage1::stage_api(), &stage2::stage_api(), &stage3::stage_api()};

class AsioEngine : public testing::TestWithParam<std::tuple<int, Case>> {};

TEST_P(AsioEngine, TellsTheSameStoryAsTheHandReactor) {
  const auto& [stage_index, c] = GetParam();
  const StageApi& stage = *stages[stage_index];
  ASSERT_NE(stage.asio, nullptr);
  Story hand = run_hand(stage, c.scenario);
  Story on_asio = run_asio(stage, c.scenario);
  EXPECT_EQ(on_asio.log, hand.log);
  EXPECT_EQ(on_asio.outcome.handler_calls, 1);
  EXPECT_EQ(on_asio.outcome.error, hand.outcome.error) << on_asio.outcome.error.message();
  EXPECT_EQ(on_asio.outcome.summary, hand.outcome.summary);
  EXPECT_EQ(on_asio.live, 0u) << "a handler or a coroutine frame outlived the run";
  // The hand reactor stops every loser at once (a timed-out fetch, the
  // siblings of a failure); the Asio fan-outs and stage 1's Asio race let
  // some finish, unheard. So a run on Asio can end later; never sooner.
  EXPECT_GE(on_asio.total, hand.total);
}

INSTANTIATE_TEST_SUITE_P(AllStagesAllScenarios, AsioEngine,
                         testing::Combine(testing::Values(0, 1, 2), testing::ValuesIn(cases)),
                         [](const auto& info) {
                           return "Stage" + std::to_string(std::get<0>(info.param) + 1) +
                                  std::get<1>(info.param).name;
                         });

TEST(AsioEngine, TheWalkThroughTakesTwoVirtualSecondsNotThree) {
  for (const StageApi* stage : stages) {
    Story r = run_asio(*stage, make(K::two_tasks));
    EXPECT_EQ(r.total, 2s) << stage->name;
  }
}

TEST(AsioEngine, ATimeoutCancelsTheLateFetchInStagesTwoAndThree) {
  for (const StageApi* stage : {stages[1], stages[2]}) {
    Recorder events;
    Story r = run_asio(*stage, make(K::timeout), &events);
    EXPECT_EQ(r.outcome.error, errc::timeout);
    EXPECT_EQ(r.total, 400ms) << "the fetch_profile timer was cancelled at the deadline";
    bool cancelled = false;
    for (const auto& e : events.entries()) {
      cancelled |= e.kind == EventKind::timer_cancelled && e.detail == "fetch_profile";
    }
    EXPECT_TRUE(cancelled) << stage->name;
  }
}

TEST(AsioEngine, AFailureBeforeTheDeadlineIsReportedAsThatFailure) {
  // The trap of Asio's `||`: it waits for the first success, so this failure
  // would wait for the timer and read "timed out".
  for (const StageApi* stage : stages) {
    Story r = run_asio(*stage,
                       make(K::timeout, [](Scenario& s) { s.services.failing_users.insert(42); }));
    EXPECT_EQ(r.outcome.error, errc::user_not_found) << stage->name;
    EXPECT_EQ(r.total, 200ms) << stage->name;
  }
}

TEST(AsioEngine, TheTraceNamesTheTasksAsTheHandReactorDoes) {
  for (const StageApi* stage : stages) {
    Recorder events;
    run_asio(*stage, make(K::two_tasks), &events);
    std::vector<std::string> steps;
    for (const auto& e : events.entries()) {
      if (e.kind == EventKind::timer_fired || e.kind == EventKind::done) {
        steps.push_back(format_seconds(e.time) + " " + e.label + " " +
                        std::string(to_string(e.kind)));
      }
    }
    EXPECT_EQ(steps, (std::vector<std::string>{"1.000s Task B timer_fired", "1.000s Task B done",
                                               "2.000s Task A timer_fired", "2.000s Task A done"}))
        << stage->name;
  }
}

TEST(AsioServices, AnswerAfterTheLatencyWithEvoErrorCodes) {
  asio_engine::Loop loop(ClockMode::virtual_time);
  ServiceConfig config;
  config.failing_users = {7};
  config.failing_profiles = {8};
  asio_engine::Services services(loop, config);
  std::vector<std::string> seen;
  async_fetch_user(services, 7, [&](asio_engine::error_code ec, User) {
    EXPECT_EQ(std::error_code(ec), errc::user_not_found);
    seen.push_back("user 7 at " + format_seconds(loop.now()));
  });
  async_fetch_profile(services, 8, [&](asio_engine::error_code ec, Profile) {
    EXPECT_EQ(std::error_code(ec), errc::profile_not_found);
    EXPECT_EQ(ec.message(), "profile not found");
    seen.push_back("profile 8 at " + format_seconds(loop.now()));
  });
  async_fetch_user(services, 3, [&](asio_engine::error_code ec, User user) {
    EXPECT_FALSE(ec);
    seen.push_back(user.name + " at " + format_seconds(loop.now()));
  });
  EXPECT_TRUE(seen.empty()) << "a handler ran inside its initiating call";
  loop.run();
  EXPECT_EQ(seen, (std::vector<std::string>{"user 7 at 0.200s", "Dennis at 0.200s",
                                            "profile 8 at 0.300s"}));
}

TEST(AsioServices, OneInitiatingFunctionServesUseFutureOnASecondThread) {
  // std::future has no then(): the only way to get its value is get(), which
  // blocks this thread, so the loop must run on another one.
  asio_engine::Loop loop(ClockMode::real);
  ServiceConfig config;
  config.user_latency = 1ms;
  asio_engine::Services services(loop, config);
  std::future<User> user = async_fetch_user(services, 5, asio::use_future);
  std::thread runner([&loop] { loop.run(); });
  EXPECT_EQ(user.get().name, "Ken");
  runner.join();
  EXPECT_EQ(loop.live_handlers(), 0u);
}

TEST(AsioServices, AFailedFutureThrowsTheEvoError) {
  asio_engine::Loop loop(ClockMode::real);
  ServiceConfig config;
  config.user_latency = 1ms;
  config.failing_users = {5};
  asio_engine::Services services(loop, config);
  std::future<User> user = async_fetch_user(services, 5, asio::use_future);
  std::thread runner([&loop] { loop.run(); });
  // wait() blocks this thread until the loop's thread stores the error. The
  // exception is read only after the join: the loop's thread still drops its
  // handle on it, and that count lives in libstdc++, whose atomics
  // ThreadSanitizer cannot see (it reported a race that is not one).
  user.wait();
  runner.join();
  try {
    user.get();
    ADD_FAILURE() << "no exception";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(std::error_code(e.code()), errc::user_not_found);
  }
}

TEST(AsioLoop, EachVirtualLoopHasItsOwnClockFromZero) {
  for (int round = 0; round < 2; ++round) {
    asio_engine::Loop loop(ClockMode::virtual_time);
    asio_engine::Services services(loop, {});
    EXPECT_EQ(loop.now(), 0s);
    EXPECT_EQ(asio_engine::LoopClock::now().time_since_epoch(), 0s);
    async_sleep(services, 5s, [](asio_engine::error_code) {});
    loop.run();
    EXPECT_EQ(loop.now(), 5s);
  }
  // No virtual loop left on this thread: the clock is steady_clock again.
  EXPECT_GT(asio_engine::LoopClock::now().time_since_epoch(), 5s);
}

// The clock Asio reads is found per thread: a second loop would read the
// first one's virtual time (a real-clock loop would then spin, its timers
// never due), so it is refused, plainly, until the first one is gone.
TEST(AsioLoop, ASecondLoopOnTheSameThreadIsRefusedUntilTheFirstIsGone) {
  {
    asio_engine::Loop first(ClockMode::virtual_time);
    EXPECT_THROW(asio_engine::Loop{ClockMode::real}, std::logic_error);
    EXPECT_THROW(asio_engine::Loop{ClockMode::virtual_time}, std::logic_error);
    EXPECT_EQ(asio_engine::LoopClock::now().time_since_epoch(), 0s)
        << "still the first one's clock";
  }
  asio_engine::Loop next(ClockMode::real);
  EXPECT_GT(asio_engine::LoopClock::now().time_since_epoch(), 0s);
}

TEST(AsioLoop, AHandlerDestroyedUnrunIsCountedUntilTheLoopGoes) {
  std::optional<asio_engine::Loop> loop(std::in_place, ClockMode::virtual_time);
  asio_engine::Services services(*loop, {});
  bool ran = false;
  async_sleep(services, 1s, [&ran](asio_engine::error_code) { ran = true; });
  EXPECT_EQ(loop->live_handlers(), 1u);
  loop.reset();  // the pending wait dies with the io_context, unrun
  EXPECT_FALSE(ran);
}

// As in the hand reactor (reactor_lifetime_test.cpp): a label is forgotten
// when its task is done, so a loop that spawns a task per request does not
// grow, and a name spawned again after "done" starts a fresh task.
TEST(AsioLoop, ForgetsALabelOnceItsTaskIsDoneAndItsNameCanStartAFreshTask) {
  asio_engine::Loop loop(ClockMode::virtual_time);
  Recorder recorder;
  loop.set_observer(&recorder);
  for (int i = 0; i < 300; ++i) loop.spawn("user " + std::to_string(i), [] {});
  EXPECT_EQ(loop.live_labels(), 301u);
  loop.run();
  EXPECT_EQ(loop.live_labels(), 1u) << "only main is left";

  loop.spawn("user 7", [] {});
  loop.run();
  EXPECT_EQ(loop.live_labels(), 1u);
  auto done = std::count_if(recorder.entries().begin(), recorder.entries().end(), [](auto& e) {
    return e.kind == EventKind::done && e.label == "user 7";
  });
  EXPECT_EQ(done, 2) << "the fresh task is reported done again";
}

// The tracing wrapper keeps what its handler is associated with: Asio asks
// the outermost handler for its executor and cancellation slot, and a
// wrapper that hid them would run a strand's handler off the strand and make
// a bound cancellation signal reach nothing.
TEST(AsioLoop, ATracedHandlerKeepsItsHandlersExecutorAndCancellationSlot) {
  asio_engine::Loop loop(ClockMode::virtual_time);
  asio::cancellation_signal signal;
  auto strand = asio::make_strand(loop.executor());
  auto traced = loop.wrap_timer(
      1s, "t",
      asio::bind_cancellation_slot(signal.slot(),
                                   asio::bind_executor(strand, [](asio_engine::error_code) {})));
  EXPECT_TRUE(asio::get_associated_executor(traced) == strand);
  EXPECT_TRUE(asio::get_associated_cancellation_slot(traced) == signal.slot());
  // A handler with no executor of its own still gets the candidate.
  auto plain = loop.wrap_timer(1s, "t", [](asio_engine::error_code) {});
  EXPECT_TRUE(asio::get_associated_executor(plain, loop.executor()) == loop.executor());
}

// stop_when, as on the hand reactor: a flag a handler sets (virtual clock),
// then one a real signal sets while Asio waits in epoll (real clock).
volatile std::sig_atomic_t stop_asio_loop = 0;

TEST(AsioLoop, AStopFlagEndsRunAndLeavesThePendingToTheDestructor) {
  stop_asio_loop = 0;
  asio_engine::Loop loop(ClockMode::virtual_time);
  loop.stop_when(&stop_asio_loop);
  asio_engine::Services services(loop, {});
  bool later_ran = false;
  async_sleep(services, 1s, [](asio_engine::error_code) { stop_asio_loop = 1; });
  async_sleep(services, 2s, [&](asio_engine::error_code) { later_ran = true; });
  loop.run();
  EXPECT_FALSE(later_ran);
  EXPECT_EQ(loop.live_handlers(), 1u);  // the 2 s wait, dropped with the loop
}

TEST(AsioLoop, ASignalEndsARealClockRunWithoutWaitingForTheTimer) {
  stop_asio_loop = 0;
  struct sigaction action {};
  action.sa_handler = [](int) { stop_asio_loop = 1; };
  struct sigaction previous {};
  ::sigaction(SIGALRM, &action, &previous);
  asio_engine::Loop loop(ClockMode::real);
  loop.stop_when(&stop_asio_loop);
  asio_engine::Services services(loop, {});
  bool fired = false;
  async_sleep(services, 30s, [&](asio_engine::error_code) { fired = true; });
  itimerval in_50ms{};
  in_50ms.it_value.tv_usec = 50'000;
  ::setitimer(ITIMER_REAL, &in_50ms, nullptr);
  auto start = std::chrono::steady_clock::now();
  loop.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "waited on through the signal";
  EXPECT_FALSE(fired);
  ::sigaction(SIGALRM, &previous, nullptr);
}

TEST(AsioLoop, TheFanOutOverManyUsersRunsInVirtualTime) {
  for (const StageApi* stage : stages) {
    Story r = run_asio(*stage, make(K::fan_out, [](Scenario& s) { s.users = 2000; }));
    EXPECT_EQ(r.outcome.summary.substr(0, 23), "Result: 2000 profiles, ") << stage->name;
    EXPECT_EQ(r.total, 500ms);
    EXPECT_EQ(r.live, 0u);
  }
}

}  // namespace
}  // namespace evo
