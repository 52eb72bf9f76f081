// Your file: make tests/exercises/retry_backoff_test.cpp pass.
// Check with `tutor check retry_backoff`; stuck? `tutor hint retry_backoff`.
#include "retry_backoff.hpp"

#include <memory>
#include <utility>

#include "common/exercise.hpp"

namespace evo::exercises {

void retry(Reactor& reactor, int attempts, Duration backoff,
           std::function<void(Handler<int>)> operation, Handler<int> handler) {
  // TODO: call operation with a handler of your own. On success, or when no
  // tries are left, answer the caller. On failure, arm a timer of `backoff`
  // (doubling each time) whose callback tries again.
  (void)reactor;
  (void)attempts;
  (void)backoff;
  (void)operation;
  (void)handler;
  todo("retry");
}

}  // namespace evo::exercises
