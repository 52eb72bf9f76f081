// Checks the retry_backoff exercise against its contract
// (stage1_callbacks/exercises/retry_backoff.hpp).
#include "stage1_callbacks/exercises/retry_backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <system_error>
#include <vector>

#include "common/errors.hpp"
#include "common/trace.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;
using Times = std::vector<Duration>;

// What the handler saw: how often it ran, when, and with what.
struct Answer {
  int calls = 0;
  Duration at{-1};
  std::error_code error;
  int value = -1;
};

class RetryBackoff : public ::testing::Test {
 protected:
  RetryBackoff() { reactor.set_observer(&recorder); }

  // The operation under retry: each try answers 10ms later, through a reactor
  // timer, like a service would. Try n fails with failures[n] while there is
  // one, and else succeeds with the value 100 + n.
  std::function<void(Handler<int>)> operation(std::vector<std::error_code> failures) {
    this->failures = std::move(failures);
    return [this](Handler<int> done) {
      std::size_t n = tries.size();
      tries.push_back(reactor.now());
      std::error_code ec = n < this->failures.size() ? this->failures[n] : std::error_code{};
      int value = ec ? 0 : 100 + static_cast<int>(n);
      reactor.call_after(
          10ms, [ec, value, done = std::move(done)]() mutable { done(ec, value); }, "operation");
    };
  }

  Handler<int> record(Answer& answer) {
    return [this, &answer](std::error_code ec, int value) {
      ++answer.calls;
      answer.at = reactor.now();
      answer.error = ec;
      answer.value = value;
    };
  }

  std::size_t count(EventKind kind) const {
    return std::count_if(recorder.entries().begin(), recorder.entries().end(),
                         [&](auto& e) { return e.kind == kind; });
  }

  std::size_t handlers_before = live_handlers();
  Recorder recorder;
  Reactor reactor{ClockMode::virtual_time};
  std::vector<std::error_code> failures;
  Times tries;  // when each try started
};

TEST_F(RetryBackoff, ASuccessAtTheFirstTryAnswersWithoutWaiting) {
  Answer answer;
  retry(reactor, 3, 100ms, operation({}), record(answer));
  EXPECT_EQ(answer.calls, 0) << "the answer comes later, from the loop: not before run()";
  reactor.run();
  EXPECT_EQ(tries, (Times{0ms})) << "one try, at once; it succeeded, so no more";
  EXPECT_EQ(answer.calls, 1) << "the handler must be called exactly once";
  EXPECT_FALSE(answer.error) << answer.error.message();
  EXPECT_EQ(answer.value, 100) << "the value the operation answered with";
  EXPECT_EQ(answer.at, 10ms);
  EXPECT_EQ(reactor.now(), 10ms) << "nothing to wait for after a success";
  EXPECT_EQ(live_handlers(), handlers_before) << "a handler was kept alive after the run";
}

TEST_F(RetryBackoff, DoublesTheWaitAfterEachFailure) {
  Answer answer;
  std::error_code failed = errc::connection_failed;
  retry(reactor, 5, 100ms, operation({failed, failed, failed}), record(answer));
  reactor.run();
  // Each try takes 10ms; then the waits are 100ms, 200ms, 400ms.
  EXPECT_EQ(tries, (Times{0ms, 110ms, 320ms, 730ms}))
      << "tries start at 0, then 10+100, 120+200, 330+400 ms (virtual time): wait `backoff`, "
         "then twice, then four times as long, on reactor timers";
  EXPECT_EQ(answer.calls, 1);
  EXPECT_FALSE(answer.error) << "the fourth try succeeded: " << answer.error.message();
  EXPECT_EQ(answer.value, 103) << "the value of the try that succeeded";
  EXPECT_EQ(answer.at, 740ms);
  EXPECT_EQ(live_handlers(), handlers_before);
}

TEST_F(RetryBackoff, GivesUpAfterAllAttemptsWithTheLastError) {
  Answer answer;
  retry(reactor, 3, 100ms,
        operation({errc::connection_failed, errc::timeout, errc::bad_response, errc::timeout}),
        record(answer));
  reactor.run();
  EXPECT_EQ(tries.size(), 3u) << "3 attempts means 3 tries in all, the first one included";
  EXPECT_EQ(tries, (Times{0ms, 110ms, 320ms}));
  EXPECT_EQ(answer.calls, 1) << "only the caller's final answer: no call per failed try";
  EXPECT_EQ(answer.error, errc::bad_response) << "the caller gets the LAST try's error";
  EXPECT_EQ(answer.value, 0) << "on error the value is empty ({})";
  EXPECT_EQ(answer.at, 330ms) << "the last try failed at 330ms: answer then";
  EXPECT_EQ(reactor.now(), 330ms) << "no wait after the last try: there is nothing to retry";
  EXPECT_EQ(live_handlers(), handlers_before);
}

TEST_F(RetryBackoff, OneAttemptMeansNoRetry) {
  Answer answer;
  retry(reactor, 1, 100ms, operation({errc::connection_failed}), record(answer));
  reactor.run();
  EXPECT_EQ(tries, (Times{0ms}));
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.error, errc::connection_failed);
  EXPECT_EQ(answer.at, 10ms);
  EXPECT_EQ(live_handlers(), handlers_before);
}

// A heartbeat ticks every 50ms beside the retries. If the waits blocked the
// loop, its ticks would come late (or all at once after the block).
TEST_F(RetryBackoff, KeepsTheLoopFreeWhileWaiting) {
  Times ticks;
  UniqueFunction<void()> tick;
  auto arm = [&] {
    reactor.call_after(
        50ms, [&] { tick(); }, "heartbeat");
  };
  tick = [&] {
    ticks.push_back(reactor.now());
    if (ticks.size() < 8) arm();
  };
  arm();
  Answer answer;
  std::error_code failed = errc::connection_failed;
  retry(reactor, 3, 100ms, operation({failed, failed}), record(answer));
  reactor.run();
  tick = nullptr;
  EXPECT_EQ(count(EventKind::blocked), 0u)
      << "the wait must be a reactor timer (call_after), not reactor.block_for";
  EXPECT_EQ(ticks, (Times{50ms, 100ms, 150ms, 200ms, 250ms, 300ms, 350ms, 400ms}))
      << "another task kept its 50ms beat only if the back-off never blocked the loop";
  EXPECT_EQ(tries, (Times{0ms, 110ms, 320ms}));
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.value, 102);
  EXPECT_EQ(live_handlers(), handlers_before);
}

}  // namespace
}  // namespace evo::exercises
