#pragma once
// Stage 2's core type: Promise<T> and Future<T>, written on callbacks alone.
// The bridge from a callback API is from_callbacks.hpp (make_future,
// sleep_for); spawn, when_all, with_timeout and the loops are combinators.hpp.
//
// A Future is a place where ONE callback waits for ONE result. The producer
// holds the Promise and calls set_value / set_error once; the consumer calls
// then(...) (or catch_error, or on_complete) once. Whichever comes second
// starts the callback, on the spot: there are no threads here and no extra
// trip through the reactor, so stage 2 makes exactly the reactor events
// stage 1 makes.
//
// "On the spot" has one refinement, the trampoline (future.cpp). While one
// continuation runs, a continuation it makes ready (by completing a promise,
// or by calling then() on a future that is ready) waits in a small queue and
// runs as soon as the running one returns, still inside the same reactor
// callback. So a chain of a million links completed at once runs as a loop,
// not as a million nested calls: the stack stays flat in every build.
//
// Errors travel as std::error_code (Asio's convention, as in stage 1): an
// error skips every then() down the chain to the first catch_error() or
// on_complete().
//
// A promise destroyed without a result breaks its future: the continuation
// runs with errc::broken_promise. Two exceptions, where running user code
// would be wrong: while a reactor tears down (reactor_tearing_down()), and
// when a continuation throws. Then the continuations waiting on such promises
// are destroyed without running, as Asio destroys the handlers of a dying
// io_context. A throwing continuation's exception leaves the call that
// completed the promise (and so Reactor::run()); continuations should not throw.

#include <optional>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

#include "common/errors.hpp"
#include "common/stored.hpp"
#include "common/unique_function.hpp"

namespace evo::stage2 {

template <class T>
class Future;
template <class T>
class Promise;

namespace detail {

inline evo::detail::PlainCounter live_states;  // a plain integer: see unique_function.hpp

using evo::Stored;  // common/stored.hpp

template <class T>
struct IsFuture : std::false_type {};
template <class T>
struct IsFuture<Future<T>> : std::true_type {
  using value_type = T;
};

// What the trampoline queue holds: a state of any T whose callback is due.
class StateBase {
 public:
  virtual ~StateBase() = default;
  /// Runs the waiting callback with the result, or destroys it unrun if dropped.
  virtual void run_callback() = 0;

  bool ready = false;    // a result (or a drop) has arrived
  bool dropped = false;  // the callback is to be destroyed, never run
  bool future_taken = false;
  std::error_code error;
  std::size_t refs = 0;  // the StateRefs that hold it
};

// A counted reference to a state, what std::shared_ptr would be without its
// atomic count: the promise, the future and the trampoline share a state on
// the loop's one thread, so a plain integer is enough, and a locked
// instruction per copy would cost more than the rest of a hop.
template <class S>
class StateRef {
 public:
  StateRef() noexcept = default;
  explicit StateRef(S* state) noexcept : state_(state) {
    if (state_) ++state_->refs;
  }
  StateRef(const StateRef& other) noexcept : StateRef(other.state_) {}
  StateRef(StateRef&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  template <class D>
  requires std::is_convertible_v<D*, S*> StateRef(StateRef<D>&& other)
  noexcept : state_(other.release()) {}
  StateRef& operator=(StateRef other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~StateRef() {
    if (state_ && --state_->refs == 0) delete state_;
  }

  S* operator->() const noexcept { return state_; }
  explicit operator bool() const noexcept { return state_ != nullptr; }
  /// Hands the reference over, uncounted, to a StateRef of a base class.
  S* release() noexcept { return std::exchange(state_, nullptr); }

 private:
  S* state_ = nullptr;
};

/// Runs `state`'s callback now; or, if a continuation is running on this
/// thread, queues it to run right after that one returns (future.cpp).
void schedule(StateRef<StateBase> state);

/// True while abandoned promises drop their continuations instead of
/// breaking them: during a reactor's teardown, or inside a DropScope.
bool dropping() noexcept;

/// Marks a scope in which abandoned promises drop their continuations.
class DropScope {
 public:
  DropScope() noexcept;
  ~DropScope();
  DropScope(const DropScope&) = delete;
  DropScope& operator=(const DropScope&) = delete;
};

// The shared state: the one heap object a future costs. The promise and the
// future each hold a reference; the callback, once set, holds the next link.
template <class T>
class State final : public StateBase {
 public:
  using Callback = UniqueFunction<void(std::error_code, Stored<T>)>;

  State() { ++live_states.value; }
  ~State() override { --live_states.value; }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // The second of complete() and set_callback() schedules the callback.
  void complete(std::error_code ec, Stored<T> v) {
    ready = true;
    error = ec;
    value.emplace(std::move(v));
    if (callback) schedule(StateRef<StateBase>(this));
  }

  void set_callback(Callback cb) {
    callback = std::move(cb);
    if (ready) schedule(StateRef<StateBase>(this));
  }

  // No result will come, and nobody may hear about it.
  void drop() {
    ready = dropped = true;
    error = errc::broken_promise;
    if (callback) schedule(StateRef<StateBase>(this));
  }

  void run_callback() override {
    Callback run = std::move(callback);
    if (dropped) {
      DropScope dropping;  // the promises `run` owns drop their continuations too
      run = nullptr;
      return;
    }
    run(error, std::move(*value));
  }

 private:
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
  return detail::live_states.load();
}

/// The producer's end. Move-only. Completing it twice, or calling get_future
/// twice, is a bug in the caller: it throws std::logic_error.
/// Destroyed without a result, it completes the future with errc::broken_promise
/// (or drops its continuation: see the top of this file).
template <class T>
class Promise {
 public:
  Promise() : state_(new detail::State<T>) {}
  Promise(Promise&&) noexcept = default;
  Promise& operator=(Promise&& other) noexcept {
    if (this != &other) {
      abandon();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~Promise() { abandon(); }

  /// The consumer's end; call once.
  Future<T> get_future() {
    if (!state_ || state_->future_taken) {
      throw std::logic_error("Promise::get_future called twice (or after a move)");
    }
    state_->future_taken = true;
    return Future<T>(state_);
  }

  template <class... V>
  void set_value(V&&... v) {
    complete({}, detail::Stored<T>(std::forward<V>(v)...));
  }
  void set_error(std::error_code ec) { complete(ec, detail::Stored<T>{}); }
  /// Asio-handler shape: (error, value). Lets a Promise stand in for a handler.
  void complete(std::error_code ec, detail::Stored<T> value) {
    // An exception (rather than an abort) lets a test report the bug and the
    // loop survive it.
    if (!state_ || state_->ready) {
      throw std::logic_error("Promise completed twice (or after a move)");
    }
    auto state = state_;  // the continuation may destroy this promise: keep the state
    state->complete(ec, std::move(value));
  }

 private:
  void abandon() noexcept {
    if (!state_ || state_->ready) return;
    if (detail::dropping()) {
      state_->drop();
    } else {
      state_->complete(errc::broken_promise, detail::Stored<T>{});
    }
  }

  detail::StateRef<detail::State<T>> state_;
};

/// The consumer's end. Move-only, and consumed by then / catch_error /
/// on_complete / forward_to: a second use throws std::logic_error.
template <class T>
class Future {
 public:
  using value_type = T;

  Future() = default;
  Future(Future&&) noexcept = default;
  Future& operator=(Future&&) noexcept = default;
  Future(const Future&) = delete;
  Future& operator=(const Future&) = delete;

  bool valid() const noexcept { return static_cast<bool>(state_); }
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
    take_state()->set_callback(std::move(handler));
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
  explicit Future(detail::StateRef<detail::State<T>> state) : state_(std::move(state)) {}

  detail::StateRef<detail::State<T>> take_state() {
    if (!state_) throw std::logic_error("Future consumed twice (or after a move)");
    return std::exchange(state_, {});
  }

  // then and catch_error in one shape: a new promise, completed by `step`.
  template <class U, class Step>
  Future<U> chain(Step step) {
    detail::StateRef<detail::State<T>> state = take_state();
    Promise<U> next;
    Future<U> result = next.get_future();
    state->set_callback(
        [step = std::move(step), next = std::move(next)](
            std::error_code ec, detail::Stored<T> v) mutable { step(ec, std::move(v), next); });
    return result;
  }

  detail::StateRef<detail::State<T>> state_;
};

template <class T>
Future<std::decay_t<T>> make_ready_future(T&& value) {
  Promise<std::decay_t<T>> promise;
  promise.set_value(std::forward<T>(value));
  return promise.get_future();
}

inline Future<void> make_ready_future() {
  Promise<void> promise;
  promise.set_value();
  return promise.get_future();
}

/// A future that has failed already: what a catch_error handler returns to
/// pass an error on.
template <class T>
Future<T> make_error_future(std::error_code ec) {
  Promise<T> promise;
  promise.set_error(ec);
  return promise.get_future();
}

}  // namespace evo::stage2
