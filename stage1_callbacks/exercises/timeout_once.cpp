// Your file: make tests/exercises/timeout_once_test.cpp pass.
// Check with `tutor check timeout_once`; stuck? `tutor hint timeout_once`.
#include "timeout_once.hpp"

#include <memory>
#include <utility>

#include "common/errors.hpp"
#include "common/exercise.hpp"

namespace evo::exercises {

void fetch_user_within(Services& services, UserId id, Duration timeout, Handler<User> handler) {
  // TODO: race services.fetch_user(id) against a timer of `timeout`. The
  // first to finish calls the handler (the timer with errc::timeout); the
  // other must find it already used and do nothing. A reply that wins
  // cancels the timer.
  (void)services;
  (void)id;
  (void)timeout;
  (void)handler;
  todo("fetch_user_within");
}

}  // namespace evo::exercises
