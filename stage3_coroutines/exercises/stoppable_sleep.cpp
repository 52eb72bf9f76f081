// Your file: make tests/exercises/stoppable_sleep_test.cpp pass.
// Check with `tutor check stoppable_sleep`; stuck? `tutor hint stoppable_sleep`.
#include "stoppable_sleep.hpp"

#include <memory>
#include <utility>

#include "common/cancel.hpp"
#include "common/errors.hpp"
#include "common/exercise.hpp"

namespace evo::exercises {

void stoppable_sleep(Reactor* reactor, Duration delay, stage3::HandlerFor<void> handler,
                     std::stop_token stop) {
  // TODO: arm the timer; while it is armed, a CancelSlot (common/cancel.hpp)
  // on `stop` cancels it and calls the handler with errc::cancelled.
  (void)reactor;
  (void)delay;
  (void)handler;
  (void)stop;
  todo("stoppable_sleep");
}

}  // namespace evo::exercises
