// Your file: make tests/exercises/awaitable_adapter_test.cpp pass.
// Check with `tutor check awaitable_adapter`; stuck? `tutor hint awaitable_adapter`.
#include "awaitable_adapter.hpp"

#include "common/exercise.hpp"

namespace evo::exercises {

bool AwaitUser::await_ready() {
  // TODO: can the user be here before the operation has even started?
  todo("AwaitUser::await_ready");
}

void AwaitUser::await_suspend(std::coroutine_handle<> coroutine) {
  // TODO: start the operation: call op_ with a handler that stores what it gets
  // (error, user) in this awaiter, then resumes `coroutine`.
  (void)coroutine;
  todo("AwaitUser::await_suspend");
}

User AwaitUser::await_resume() {
  // TODO: the user, or throw std::system_error(error) if the operation failed.
  todo("AwaitUser::await_resume");
}

}  // namespace evo::exercises
