// Reference solution for cancel_safe_timeout: stage 1's race once more. Both
// racers report into one shared Race; the first decides and resumes the
// waiting coroutine, the second finds it decided and does nothing. The Race
// is shared (not in a frame) because the loser may report after every frame
// that cared about it is gone. with_timeout in combinators.hpp is the same
// for any T.
#include "stage3_coroutines/exercises/cancel_safe_timeout.hpp"

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace evo::exercises {
namespace {

struct Race {
  bool decided = false;
  std::optional<int> value;
  std::exception_ptr error;
  std::coroutine_handle<> waiter;  // set while within is suspended, cleared once resumed
  TimerId timer;
};

void decide(Race& race, std::optional<int> value, std::exception_ptr error) {
  race.decided = true;
  race.value = value;
  race.error = error;
  // Taken out before resuming: the resumed coroutine may be freed by the time
  // resume() returns, and nobody may resume it a second time.
  if (race.waiter) std::exchange(race.waiter, nullptr).resume();
}

// A constructor, not an aggregate: GCC 12 destroys an aggregate temporary in a
// co_await expression twice.
struct AwaitDecision {
  explicit AwaitDecision(std::shared_ptr<Race> r) : race(std::move(r)) {}
  std::shared_ptr<Race> race;
  bool await_ready() const noexcept { return race->decided; }  // the task answered at once
  void await_suspend(std::coroutine_handle<> coroutine) noexcept { race->waiter = coroutine; }
  int await_resume() {
    if (race->error) std::rethrow_exception(race->error);
    return *race->value;
  }
};

}  // namespace

Task<int> within(Reactor& reactor, Task<int> task, Duration timeout) {
  auto race = std::make_shared<Race>();
  stage3::start(std::move(task), [&reactor, race](std::exception_ptr error, int value) {
    if (race->decided) return;  // too late: the caller already has its timeout
    reactor.cancel(race->timer);
    decide(*race, error ? std::nullopt : std::optional<int>(value), error);
  });
  if (!race->decided) {
    race->timer = reactor.call_after(
        timeout,
        [race] {
          if (race->decided) return;
          decide(*race, std::nullopt, std::make_exception_ptr(std::system_error(errc::timeout)));
        },
        "timeout");
  }
  co_return co_await AwaitDecision(race);  // suspends
}

}  // namespace evo::exercises
