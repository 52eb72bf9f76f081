// A learner's mistake, kept to check the checker (tests/tutor_test.cpp): the
// reference solution of awaitable_adapter, plus one line that touches the
// awaiter after starting the operation. When the operation answers at once,
// the coroutine has finished and freed the awaiter by then: a use-after-free
// that a plain build runs through silently, and ASan stops at.
#include "stage3_coroutines/exercises/awaitable_adapter.hpp"

namespace evo::exercises {

bool AwaitUser::await_ready() {
  return false;
}

void AwaitUser::await_suspend(std::coroutine_handle<> coroutine) {
  op_([this, coroutine](std::error_code ec, User user) {
    error_ = ec;
    user_.emplace(std::move(user));
    coroutine.resume();
  });
  op_ = nullptr;  // the mistake: "done with the operation", but `this` may be gone
}

User AwaitUser::await_resume() {
  if (error_) throw std::system_error(error_);
  return std::move(*user_);
}

}  // namespace evo::exercises
