#pragma once
// Exercise (stage 3): turn a callback API into an awaitable, by hand.
//
// `co_await AwaitUser(op)` waits for a User from any callback API: `op` starts
// the operation and promises to call the handler it is given exactly once, as
// handler(error_code, user), usually later, from the reactor (e.g.
// [&](Handler<User> h) { services.fetch_user(42, std::move(h)); }).
//
// The compiler drives the three members, in this order. Contract:
//   - await_ready(): false. The operation has not even started, so the result
//     cannot be here yet: the coroutine must suspend.
//   - await_suspend(coroutine): starts the operation, once: calls op with a
//     handler that stores (error, user) in this awaiter and then resumes the
//     coroutine, right there, inside the handler (no post, no extra event:
//     the reactor sees exactly what a stage-1 callback would make it see).
//     The handler may also run before op returns (an answer already there):
//     the coroutine then resumes from inside await_suspend, and may even have
//     finished and freed this awaiter by the time op returns, so touch nothing
//     of the awaiter after starting op (a plain build may not notice a freed
//     awaiter being touched; stage 3's exercises are built under ASan, which
//     does, and `tutor check` then names the use-after-free).
//   - await_resume(): the user, or, if the handler got an error,
//     throws std::system_error with that error_code.
// The awaiter lives in the suspended coroutine's frame, so a handler that
// points back at it (`this`) stays valid until it resumes the coroutine.
// Compare with CallbackAwaiter in stage3_coroutines/from_callbacks.hpp once
// done: it goes one step further for an answer that comes before op returns
// (its await_suspend returns bool, so the coroutine goes on without a nested
// resume; "A handler called at once" in the stage 3 README).

#include <coroutine>
#include <functional>
#include <optional>
#include <system_error>
#include <utility>

#include "common/services.hpp"

namespace evo::exercises {

class AwaitUser {
 public:
  /// op(handler) starts the operation; it calls handler(error, user) once.
  explicit AwaitUser(std::function<void(Handler<User>)> op) : op_(std::move(op)) {}

  bool await_ready();
  void await_suspend(std::coroutine_handle<> coroutine);
  User await_resume();

 private:
  std::function<void(Handler<User>)> op_;
  std::error_code error_;     // what the handler got: empty on success
  std::optional<User> user_;  // what the handler got: set on success
};

}  // namespace evo::exercises
