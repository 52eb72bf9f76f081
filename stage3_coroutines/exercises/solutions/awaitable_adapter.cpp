// Reference solution for awaitable_adapter: CallbackAwaiter in
// stage3_coroutines/from_callbacks.hpp is the same thing, for any T and any op.
#include "stage3_coroutines/exercises/awaitable_adapter.hpp"

namespace evo::exercises {

bool AwaitUser::await_ready() {
  return false;  // nothing has started: there is nothing to have yet
}

void AwaitUser::await_suspend(std::coroutine_handle<> coroutine) {
  // This handler is the stage-1 callback; its body is "the rest of the
  // coroutine", which resume() runs right here, inside the reactor's callback.
  op_([this, coroutine](std::error_code ec, User user) {
    error_ = ec;
    user_.emplace(std::move(user));
    coroutine.resume();
  });
  // Nothing after op_: if it answered at once, the coroutine may be gone.
}

User AwaitUser::await_resume() {
  if (error_) throw std::system_error(error_);
  return std::move(*user_);
}

}  // namespace evo::exercises
