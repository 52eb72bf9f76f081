// Your file: make tests/exercises/timeout_race_test.cpp pass.
// Check with `tutor check timeout_race`; stuck? `tutor hint timeout_race`.
#include "timeout_race.hpp"

#include <memory>

#include "common/exercise.hpp"

namespace evo::exercises {

using namespace evo::stage2;

Future<int> within(Reactor& reactor, Future<int> future, Duration timeout) {
  // TODO: race the future against a reactor timer (reactor.call_after). The
  // first to finish completes the result; the loser must find the race
  // decided and do nothing. A value that wins cancels the timer.
  (void)reactor;
  (void)future;
  (void)timeout;
  todo("within");
}

}  // namespace evo::exercises
