#pragma once
// Stage 3's machinery, part 2: the adapter from a callback API, the whole
// trick of co_await in one class.
//
// `co_await async_call<T>(op, args...)` does three things, in this order:
//   await_ready()    "is the result here already?" Not for a call that has not
//                    started, so: no. The coroutine is then suspended.
//   await_suspend(h) runs with the coroutine already suspended: it starts the
//                    operation as op(args..., handler), where the handler
//                    stores (error, value) and resumes the coroutine. It
//                    returns true: control goes back to whoever resumed or
//                    started the coroutine (a reactor callback, or, on the
//                    first run, the caller of start()). If the handler already
//                    ran inside op (a cached answer), it returns false instead:
//                    the coroutine goes on at once, with no nested resume.
//   await_resume()   hand back the value, or throw the error.
// The handler IS the stage-1 callback: the reactor sees nothing else.
//
// Cancellation: an operation that takes a std::stop_token after its handler
// (the services do) gets the awaiting coroutine's token; it registers its own
// std::stop_callback (a CancelSlot, common/cancel.hpp), so a stop request
// cancels it and the co_await throws errc::cancelled. An operation without a
// token parameter cannot be cancelled, and runs to its end.

#include <coroutine>
#include <functional>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/services.hpp"
#include "task.hpp"

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
  // The awaiter dies with its frame: when an operation threw but kept the
  // handler, or a teardown destroyed the chain from another of its leaves. A
  // handler still out there is disarmed, so it can never touch this awaiter.
  ~CallbackAwaiter() {
    if (handler_) handler_->awaiter = nullptr;
  }

  bool await_ready() const noexcept { return false; }

  // If op throws, the exception leaves await_suspend, and the language resumes
  // the coroutine with it, out of the co_await: once, whatever op did with the
  // handler first (while `starting`, the handler never resumes anything; a
  // handler op kept is disarmed when this awaiter goes, see the destructor).
  template <class P>
  bool await_suspend(std::coroutine_handle<P> coroutine) {
    coroutine_ = coroutine;
    frame_ = detail::frame_of(coroutine);
    state_ = State::starting;
    std::apply(
        [&](Args&... args) {
          if constexpr (std::is_invocable_v<Op&, Args&..., Resume, std::stop_token>) {
            std::invoke(op_, args..., Resume(this), frame_ ? frame_->stop : std::stop_token());
          } else {
            std::invoke(op_, args..., Resume(this));
          }
        },
        args_);
    if (state_ == State::finished) return false;  // answered inside op: go on, no suspension
    state_ = State::waiting;
    return true;
  }

  T await_resume() {
    if (error_) throw std::system_error(error_);
    if constexpr (!std::is_void_v<T>) return std::move(*value_);
  }

 private:
  // Whoever comes second, the handler or the end of await_suspend, resumes.
  enum class State { starting, waiting, finished };

  void complete(std::error_code ec) {
    error_ = ec;
    if (std::exchange(state_, State::finished) == State::waiting) coroutine_.resume();
  }

  // The handler is gone without a call. While op runs, or outside teardown
  // (a buggy operation lost it): the co_await throws errc::broken_promise, so
  // the frames unwind. At teardown (~Reactor destroying its pending work), the
  // chain is destroyed without running another line: resumed, a loop that
  // retries on error would arm new work on the dying reactor, forever.
  void dropped() noexcept {
    if (state_ == State::waiting && reactor_tearing_down()) {
      detail::destroy_chain(frame_);  // a coroutine not of this stage: left suspended
      return;
    }
    complete(errc::broken_promise);
  }

  // The handler handed to the operation. The awaiter lives in the suspended
  // coroutine's frame, so `awaiter` is valid until the handler completes it.
  // A second call throws (as completing a stage-2 promise twice does).
  // The awaiter knows where its one live handler is (handler_), so each can
  // forget the other when it goes first.
  struct Resume {
    CallbackAwaiter* awaiter;

    explicit Resume(CallbackAwaiter* a) : awaiter(a) { awaiter->handler_ = this; }
    Resume(Resume&& other) noexcept : awaiter(std::exchange(other.awaiter, nullptr)) {
      if (awaiter) awaiter->handler_ = this;
    }
    ~Resume() {
      if (!awaiter) return;
      CallbackAwaiter* to = std::exchange(awaiter, nullptr);
      to->handler_ = nullptr;
      to->dropped();
    }

    template <class... Value>  // (error) for T = void, (error, value) otherwise
    void operator()(std::error_code ec, Value&&... value) {
      if (!awaiter) {
        throw std::logic_error("a handler was called twice, or after its co_await had ended");
      }
      CallbackAwaiter* to = std::exchange(awaiter, nullptr);
      to->handler_ = nullptr;
      if constexpr (sizeof...(Value) > 0) to->value_.emplace(std::forward<Value>(value)...);
      to->complete(ec);
    }
  };

  Op op_;
  std::tuple<Args...> args_;
  std::coroutine_handle<> coroutine_;
  detail::PromiseBase* frame_ = nullptr;
  State state_ = State::starting;
  Resume* handler_ = nullptr;  // the handler while it is out there, else null
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
