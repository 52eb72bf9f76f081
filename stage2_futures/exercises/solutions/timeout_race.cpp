// Reference solution for timeout_race. Two callbacks race to complete one
// promise; the race state they share says whether it is decided. It is stage
// 1's race with a promise in place of the handler; stage2::with_timeout is
// the same code, generic over T.
#include "stage2_futures/exercises/timeout_race.hpp"

#include <memory>

namespace evo::exercises {

using namespace evo::stage2;

Future<int> within(Reactor& reactor, Future<int> future, Duration timeout) {
  struct Race {
    Promise<int> promise;
    TimerId timer;
    bool done = false;
  };
  auto race = std::make_shared<Race>();
  Future<int> result = race->promise.get_future();
  std::move(future).on_complete([&reactor, race](std::error_code ec, int value) {  // suspends
    if (race->done) return;  // too late: the caller already got errc::timeout
    race->done = true;
    reactor.cancel(race->timer);  // harmless if it has fired or was never armed
    race->promise.complete(ec, value);
  });
  if (race->done) return result;  // it was ready already: no race to run
  // A timer that already fired cannot be cancelled: its callback may still be
  // waiting in this turn's ready queue, so it checks `done` too.
  race->timer = reactor.call_after(
      timeout,
      [race] {  // suspends
        if (race->done) return;
        race->done = true;
        race->promise.set_error(errc::timeout);
      },
      "timeout");
  return result;
}

}  // namespace evo::exercises
