#pragma once
// Stage 2's machinery: Promise<T> and Future<T>, written on callbacks alone.
//
// A Future is a place where ONE callback waits for ONE result. The producer
// holds the Promise and calls set_value / set_error once; the consumer calls
// then(...) once. Whichever comes second runs the callback, right there, on
// its own stack: there are no threads here and no extra trip through the
// reactor, so stage 2 makes exactly the reactor events stage 1 makes.
//
// Errors travel as std::error_code (Asio's convention, as in stage 1): an
// error skips every then() down the chain to the first catch_error() or
// on_complete(). Continuations should not throw. If one does, the exception
// leaves the callback that completed the promise, and so Reactor::run(); and
// the promise it was to complete is destroyed on the way out, so the rest of
// the chain hears errc::broken_promise (from a destructor: a continuation
// that throws again there ends the program).
//
// If the future is already complete when then() is called, the continuation
// runs immediately, inside then(), before then() returns. That is stage 3's
// await_ready fast path: no suspension and no reactor event.

#include <atomic>
#include <cassert>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/services.hpp"
#include "common/stored.hpp"
#include "common/unique_function.hpp"

namespace evo::stage2 {

template <class T>
class Future;
template <class T>
class Promise;

namespace detail {

inline std::atomic<std::size_t> live_states{0};

using evo::Stored;  // common/stored.hpp

template <class T>
struct IsFuture : std::false_type {};
template <class T>
struct IsFuture<Future<T>> : std::true_type {
  using value_type = T;
};

// The shared state: the one heap object a future costs. The promise and the
// future each hold a reference; the callback, once set, holds the next link.
template <class T>
struct State {
  using Callback = UniqueFunction<void(std::error_code, Stored<T>)>;

  State() { live_states.fetch_add(1, std::memory_order_relaxed); }
  ~State() { live_states.fetch_sub(1, std::memory_order_relaxed); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // The promise side: the second of complete() and set_callback() runs the callback.
  void complete(std::error_code ec, Stored<T> v) {
    assert(!ready && "a promise is completed once");
    ready = true;
    if (callback) {
      Callback run = std::move(callback);
      run(ec, std::move(v));  // inline, in the completing callback: no post
    } else {
      error = ec;
      value = std::move(v);
    }
  }

  void set_callback(Callback cb) {
    assert(!callback && "a future is consumed once");
    if (ready) {
      cb(error, std::move(*value));  // already complete: run right away
    } else {
      callback = std::move(cb);
    }
  }

  bool ready = false;
  std::error_code error;
  std::optional<Stored<T>> value;
  Callback callback;
};

template <class F, class T>
decltype(auto) invoke_with(F& f, Stored<T>& value) {
  if constexpr (std::is_void_v<T>) {
    return f();
  } else {
    return f(std::move(value));
  }
}

}  // namespace detail

/// Shared states alive right now: tests check it is zero after every scenario.
inline std::size_t live_states() noexcept {
  return detail::live_states.load(std::memory_order_relaxed);
}

/// The producer's end. Move-only; completing it twice is a bug (it throws).
/// Destroyed without a result, it completes the future with errc::broken_promise.
template <class T>
class Promise {
 public:
  Promise() : state_(std::make_shared<detail::State<T>>()) {}
  Promise(Promise&&) noexcept = default;
  Promise& operator=(Promise&& other) noexcept {
    abandon();
    state_ = std::move(other.state_);
    return *this;
  }
  ~Promise() { abandon(); }

  /// The consumer's end; call once.
  Future<T> get_future() { return Future<T>(state_); }

  template <class... V>
  void set_value(V&&... v) {
    complete({}, detail::Stored<T>(std::forward<V>(v)...));
  }
  void set_error(std::error_code ec) { complete(ec, detail::Stored<T>{}); }
  /// Asio-handler shape: (error, value). Lets a Promise stand in for a handler.
  void complete(std::error_code ec, detail::Stored<T> value) {
    // A second completion is a bug in the caller; an exception (rather than an
    // abort) lets a test report it and the loop survive it.
    if (!state_) throw std::logic_error("Promise completed twice (or after a move)");
    std::shared_ptr<detail::State<T>> state = std::move(state_);  // we are done with it
    state->complete(ec, std::move(value));
  }

 private:
  void abandon() {
    if (state_ && !state_->ready) set_error(errc::broken_promise);
  }

  std::shared_ptr<detail::State<T>> state_;
};

/// The consumer's end. Move-only, and consumed by then / catch_error / on_complete.
template <class T>
class Future {
 public:
  using value_type = T;

  Future() = default;
  bool valid() const noexcept { return state_ != nullptr; }
  bool is_ready() const noexcept { return state_ && state_->ready; }

  /// f(value) runs when the value arrives; an error skips it. If f returns a
  /// Future<U>, the result is a Future<U> that completes when that one does
  /// (flattening), not a Future<Future<U>>.
  template <class F>
  auto then(F f) && {
    using R = decltype(detail::invoke_with<F, T>(f, std::declval<detail::Stored<T>&>()));
    if constexpr (detail::IsFuture<R>::value) {
      using U = typename detail::IsFuture<R>::value_type;
      return chain<U>(
          [f = std::move(f)](std::error_code ec, detail::Stored<T> v, Promise<U>& next) mutable {
            if (ec) return next.set_error(ec);
            detail::invoke_with<F, T>(f, v).forward_to(std::move(next));
          });
    } else {
      return chain<R>(
          [f = std::move(f)](std::error_code ec, detail::Stored<T> v, Promise<R>& next) mutable {
            if (ec) return next.set_error(ec);
            if constexpr (std::is_void_v<R>) {
              detail::invoke_with<F, T>(f, v);
              next.set_value();
            } else {
              next.set_value(detail::invoke_with<F, T>(f, v));
            }
          });
    }
  }

  /// f(error) runs only on error, and returns a T (or Future<T>) to carry on with.
  template <class F>
  Future<T> catch_error(F f) && {
    return chain<T>(
        [f = std::move(f)](std::error_code ec, detail::Stored<T> v, Promise<T>& next) mutable {
          if (!ec) return next.complete({}, std::move(v));
          if constexpr (detail::IsFuture<std::invoke_result_t<F&, std::error_code>>::value) {
            f(ec).forward_to(std::move(next));
          } else if constexpr (std::is_void_v<T>) {
            f(ec);
            next.set_value();
          } else {
            next.set_value(f(ec));
          }
        });
  }

  /// The end of a chain, back in stage 1's world: handler(error, value), once.
  template <class H>
  void on_complete(H handler) && {
    std::exchange(state_, nullptr)->set_callback(std::move(handler));
  }

  /// Completes `promise` with whatever this future completes with.
  void forward_to(Promise<T> promise) && {
    std::move(*this).on_complete(
        [promise = std::move(promise)](std::error_code ec, detail::Stored<T> v) mutable {
          promise.complete(ec, std::move(v));
        });
  }

 private:
  friend class Promise<T>;
  explicit Future(std::shared_ptr<detail::State<T>> state) : state_(std::move(state)) {}

  // then and catch_error in one shape: a new promise, completed by `step`.
  template <class U, class Step>
  Future<U> chain(Step step) {
    Promise<U> next;
    Future<U> result = next.get_future();
    std::move(*this).on_complete(
        [step = std::move(step), next = std::move(next)](
            std::error_code ec, detail::Stored<T> v) mutable { step(ec, std::move(v), next); });
    return result;
  }

  std::shared_ptr<detail::State<T>> state_;
};

template <class T>
Future<std::decay_t<T>> make_ready_future(T&& value) {
  Promise<std::decay_t<T>> promise;
  Future<std::decay_t<T>> future = promise.get_future();
  promise.set_value(std::forward<T>(value));
  return future;
}

/// Turns a callback-style operation op(handler) into a future: the bridge
/// from the services' API (stage 1's world) into stage 2's.
template <class T, class Op>
Future<T> make_future(Op op) {
  Promise<T> promise;
  Future<T> future = promise.get_future();
  op(Handler<T>([promise = std::move(promise)](std::error_code ec, T value) mutable {
    promise.complete(ec, std::move(value));
  }));
  return future;
}

/// A future that completes after `delay`, through a reactor timer.
inline Future<void> sleep_for(Reactor& reactor, Duration delay) {
  Promise<void> promise;
  Future<void> future = promise.get_future();
  reactor.call_after(delay, [promise = std::move(promise)]() mutable { promise.set_value(); });
  return future;
}

/// Runs f() as a new task under `label` (Reactor::spawn); f returns a Future<U>.
template <class F>
auto spawn(Reactor& reactor, std::string_view label, F f) -> std::invoke_result_t<F&> {
  using U = typename std::invoke_result_t<F&>::value_type;
  Promise<U> promise;
  Future<U> future = promise.get_future();
  reactor.spawn(label, [f = std::move(f), promise = std::move(promise)]() mutable {
    f().forward_to(std::move(promise));
  });
  return future;
}

}  // namespace evo::stage2
