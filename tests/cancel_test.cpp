// Specifies common/cancel.hpp (CancelSlot, ChildStops) and how the simulated
// services use it: a stopped fetch cancels its timer and answers
// errc::cancelled exactly once, whenever and however often the stop comes.
#include "common/cancel.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <system_error>
#include <vector>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/services.hpp"

namespace evo {
namespace {

using namespace std::chrono_literals;

TEST(CancelSlot, RunsItsActionOnceOnAStopRequest) {
  std::stop_source source;
  CancelSlot slot;
  int runs = 0;
  slot.arm(source.get_token(), [&] { ++runs; });
  EXPECT_EQ(runs, 0);
  source.request_stop();
  source.request_stop();
  EXPECT_EQ(runs, 1);
}

TEST(CancelSlot, DisarmedItIgnoresTheStopRequest) {
  std::stop_source source;
  CancelSlot slot;
  int runs = 0;
  slot.arm(source.get_token(), [&] { ++runs; });
  slot.disarm();
  source.request_stop();
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(live_handlers(), 0u) << "disarm destroys the action";
}

TEST(CancelSlot, TheActionMayDestroyTheSlot) {
  std::stop_source source;
  auto slot = std::make_unique<CancelSlot>();
  int runs = 0;
  slot->arm(source.get_token(), [&] {
    slot.reset();  // the operation completes, and frees the state the slot lives in
    ++runs;
  });
  source.request_stop();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(slot, nullptr);
}

// The caller checks the token first (and answers errc::cancelled from the
// loop); arming on a stopped one would complete inside the initiating call.
// Asserted, so this fails in the Debug builds (asan) only.
TEST(CancelSlotDeathTest, ArmingOnAStoppedTokenIsCaughtInDebugBuilds) {
  std::stop_source source;
  source.request_stop();
  CancelSlot slot;
  EXPECT_DEBUG_DEATH(slot.arm(source.get_token(), [] {}), "CancelSlot::arm on a stopped token");
}

TEST(ChildStops, StopWithTheParentInIndexOrder) {
  std::stop_source parent;
  ChildStops children(3, parent.get_token());
  std::vector<int> order;
  std::vector<std::unique_ptr<CancelSlot>> slots;
  for (int i = 2; i >= 0; --i) {  // armed in reverse: the order must not depend on it
    slots.push_back(std::make_unique<CancelSlot>());
    slots.back()->arm(children.token(static_cast<std::size_t>(i)),
                      [&order, i] { order.push_back(i); });
  }
  parent.request_stop();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(ChildStops, StoppingThemLeavesTheParentRunning) {
  std::stop_source parent;
  ChildStops children(2, parent.get_token());
  children.request_stop();
  EXPECT_TRUE(children.token(1).stop_requested());
  EXPECT_FALSE(parent.stop_requested());
}

TEST(ChildStops, AParentStoppedAlreadyStopsThemAtOnce) {
  std::stop_source parent;
  parent.request_stop();
  ChildStops children(1, parent.get_token());
  EXPECT_TRUE(children.token(0).stop_requested());
}

// What a handler saw: how often it ran, when, and with what.
struct Seen {
  int calls = 0;
  Duration at{-1};
  std::error_code error;
};

class CancelFetch : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(reactor.pending(), 0u);
    EXPECT_EQ(live_handlers(), 0u) << "a handler leaked";
  }

  Handler<User> record(Seen& seen) {
    return [this, &seen](std::error_code ec, User) {
      ++seen.calls;
      seen.at = reactor.now();
      seen.error = ec;
    };
  }

  Reactor reactor{ClockMode::virtual_time};
  Services services{reactor, ServiceConfig{}};  // users answer after 200 ms
  std::stop_source source;
};

TEST_F(CancelFetch, AStopCancelsTheTimerAndAnswersCancelledAtOnce) {
  Seen seen;
  services.fetch_user(7, record(seen), source.get_token());
  reactor.call_after(50ms, [&] {
    source.request_stop();
    EXPECT_EQ(seen.calls, 1) << "the handler runs inside request_stop()";
  });
  reactor.run();
  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::cancelled);
  EXPECT_EQ(seen.at, 50ms);
  EXPECT_EQ(reactor.now(), 50ms) << "the fetch's timer is gone: nothing waits for 200 ms";
  EXPECT_EQ(reactor.stats().timers_cancelled, 1u);
}

TEST_F(CancelFetch, AFetchStartedOnAStoppedTokenAnswersFromTheLoop) {
  Seen seen;
  source.request_stop();
  services.fetch_user(7, record(seen), source.get_token());
  EXPECT_EQ(seen.calls, 0) << "never inside the initiating call";
  reactor.run();
  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.error, errc::cancelled);
  EXPECT_EQ(reactor.now(), 0s);
  EXPECT_EQ(reactor.stats().timers_armed, 0u);
}

TEST_F(CancelFetch, CancellingTwiceAnswersOnce) {
  Seen seen;
  services.fetch_user(7, record(seen), source.get_token());
  reactor.call_after(50ms, [&] {
    source.request_stop();
    source.request_stop();
  });
  reactor.run();
  EXPECT_EQ(seen.calls, 1);
}

TEST_F(CancelFetch, CancellingAfterTheAnswerDoesNothing) {
  Seen seen;
  services.fetch_user(7, record(seen), source.get_token());
  reactor.call_after(300ms, [&] { source.request_stop(); });
  reactor.run();
  EXPECT_EQ(seen.calls, 1);
  EXPECT_FALSE(seen.error);
  EXPECT_EQ(seen.at, 200ms);
}

TEST_F(CancelFetch, CancellingFromInsideTheHandlerIsSafe) {
  int calls = 0;
  services.fetch_user(
      7,
      [&](std::error_code ec, User) {
        ++calls;
        EXPECT_FALSE(ec);
        source.request_stop();  // too late for this fetch: it is completing
      },
      source.get_token());
  reactor.run();
  EXPECT_EQ(calls, 1);
}

TEST_F(CancelFetch, AStopInsideAnotherFetchsHandlerCancelsThisOne) {
  // Both timers are due at 200 ms and move to the ready queue together: the
  // first handler stops the second fetch after its timer fired but before its
  // callback ran. It must answer cancelled once, and its queued callback nothing.
  Seen first, second;
  services.fetch_user(1, [&](std::error_code, User) {
    ++first.calls;
    source.request_stop();
  });
  services.fetch_user(2, record(second), source.get_token());
  reactor.run();
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(second.calls, 1);
  EXPECT_EQ(second.error, errc::cancelled);
}

TEST_F(CancelFetch, ADestroyedReactorTakesThePendingFetchAndItsSlotWithIt) {
  Seen seen;
  {
    Reactor doomed(ClockMode::virtual_time);
    Services on_doomed(doomed, ServiceConfig{});
    on_doomed.fetch_user(7, record(seen), source.get_token());
  }
  source.request_stop();  // after the reactor: the slot went with the fetch
  EXPECT_EQ(seen.calls, 0) << "destroyed without running, as every pending handler";
}

TEST_F(CancelFetch, AMillionCancelledFetchesLeaveNothingBehind) {
  int cancelled = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    std::stop_source stop;
    services.fetch_user(
        7, [&](std::error_code ec, User) { cancelled += ec == errc::cancelled; }, stop.get_token());
    stop.request_stop();
  }
  EXPECT_EQ(cancelled, 1'000'000);
  EXPECT_EQ(reactor.pending(), 0u);
}

TEST(Errors, CancelledIsAnErrorWithItsOwnMessage) {
  std::error_code ec = errc::cancelled;
  EXPECT_TRUE(ec);
  EXPECT_EQ(ec.message(), "cancelled");
}

}  // namespace
}  // namespace evo
