#pragma once
// Stage 3's machinery, part 2: the whole trick of co_await, in one adapter.
//
// `co_await async_call<T>(op, args...)` does three things, in this order:
//   await_ready()    "is the result here already?" Not for a call that has not
//                    started, so: no.
//   await_suspend(h) start the operation as op(args..., handler), where the
//                    handler stores (error, value) and calls h.resume(). Then
//                    the coroutine is suspended and control goes back to the
//                    loop. This handler IS the stage-1 callback: the reactor
//                    sees nothing else.
//   await_resume()   once resumed (from inside that handler, when the reactor
//                    runs it), hand back the value, or throw the error.

#include <coroutine>
#include <functional>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/services.hpp"

namespace evo::stage3 {

/// The handler a callback API gets: void(error_code, T), or void(error_code) for T = void.
template <class T>
struct HandlerForT {
  using type = Handler<T>;
};
template <>
struct HandlerForT<void> {
  using type = UniqueFunction<void(std::error_code)>;
};
template <class T>
using HandlerFor = typename HandlerForT<T>::type;

template <class T, class Op, class... Args>
class CallbackAwaiter {
 public:
  CallbackAwaiter(Op op, Args... args) : op_(std::move(op)), args_(std::move(args)...) {}

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> coroutine) {
    std::apply([&](Args&... args) { std::invoke(op_, args..., Resume(this, coroutine)); }, args_);
  }

  T await_resume() {
    if (error_) throw std::system_error(error_);
    if constexpr (!std::is_void_v<T>) return std::move(*value_);
  }

 private:
  // The handler handed to the operation: it stores the result and resumes
  // the coroutine. The awaiter lives in the suspended coroutine's frame, so
  // `awaiter` is valid until then. It resumes once: a second call throws (as
  // a stage-2 promise does), and a handler dropped without a call resumes the
  // coroutine with errc::broken_promise, so its frames unwind, not leak.
  struct Resume {
    CallbackAwaiter* awaiter;
    std::coroutine_handle<> coroutine;

    Resume(CallbackAwaiter* a, std::coroutine_handle<> c) : awaiter(a), coroutine(c) {}
    Resume(Resume&& other) noexcept
        : awaiter(other.awaiter), coroutine(std::exchange(other.coroutine, {})) {}
    ~Resume() {
      if (coroutine) (*this)(errc::broken_promise);
    }

    template <class... Value>  // (error) for T = void, (error, value) otherwise
    void operator()(std::error_code ec, Value&&... value) {
      if (!coroutine) throw std::logic_error("a handler was called twice");
      awaiter->error_ = ec;
      if constexpr (sizeof...(Value) > 0) awaiter->value_.emplace(std::forward<Value>(value)...);
      std::exchange(coroutine, {}).resume();
    }
  };

  Op op_;
  std::tuple<Args...> args_;
  std::error_code error_;
  std::optional<std::conditional_t<std::is_void_v<T>, int, T>> value_;
};

/// Makes op(args..., handler) awaitable; the handler expects (error_code, T).
template <class T, class Op, class... Args>
CallbackAwaiter<T, Op, Args...> async_call(Op op, Args... args) {
  return {std::move(op), std::move(args)...};
}

/// Suspends the coroutine for `delay`, on a reactor timer.
inline auto sleep_for(Reactor& reactor, Duration delay) {
  return async_call<void>([&reactor, delay](HandlerFor<void> handler) {
    reactor.call_after(delay, [handler = std::move(handler)]() mutable { handler({}); });
  });
}

}  // namespace evo::stage3
