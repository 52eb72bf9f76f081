#pragma once
// Stage 3's machinery, part 1: Task<T>, a lazy coroutine, and the ways to
// start one. Part 2 (from_callbacks.hpp) turns callback APIs into things to
// await; part 3 (combinators.hpp) runs several tasks at once.
//
// A Task does nothing until it is awaited (or started). `co_await task` stores
// the awaiting coroutine in the task's promise and starts the task; when the
// task finishes, whoever awaited it goes on (see Task::Awaiter for how, in
// constant stack). Its exception, if any, is rethrown there, the original
// object (its backtrace rides beside it: async_backtrace). The Task object
// owns the frame and destroys it exactly once. No reactor event in any of it.
//
// Every frame carries a std::stop_token (common/cancel.hpp): the one its
// awaiter had, so a stop request reaches whatever the chain is waiting on
// now. start() gives the first one; when_all and with_timeout give their
// children tokens of their own, to stop the losers (combinators.hpp).

#include <coroutine>
#include <exception>
#include <optional>
#include <source_location>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/stored.hpp"
#include "common/unique_function.hpp"

namespace evo::stage3 {

template <class T>
class Task;

namespace detail {

inline evo::detail::PlainCounter live_frames;  // a plain integer: see unique_function.hpp

using evo::Stored;  // common/stored.hpp

// What every coroutine frame of this stage carries: the frame counter, what
// an async backtrace needs to name it (which coroutine, where it waits), and
// the link to the frame awaiting it, so that a chain can be found from its
// innermost frame and destroyed from its root at teardown (destroy_chain).
struct PromiseBase {
  PromiseBase() { ++live_frames.value; }
  ~PromiseBase() { --live_frames.value; }

  // Every co_await in the coroutine passes through here first; the default
  // argument is evaluated at the co_await, so it names that line.
  template <class Awaitable>
  Awaitable&& await_transform(Awaitable&& awaitable,
                              std::source_location at = std::source_location::current()) {
    where = at;
    return std::forward<Awaitable>(awaitable);
  }

  std::stop_token stop;            // cancels this coroutine's work: its awaiter's token
  std::source_location function;   // which coroutine this is
  std::source_location where;      // its last co_await (empty before the first)
  PromiseBase* awaiter = nullptr;  // the frame that awaits this one, if any
  std::coroutine_handle<> root;    // set in a driver (start's): it owns the chain below it
  bool destroying = false;         // the root is being destroyed: ignore a second request
};

/// The promise of a suspended coroutine of this stage, or nullptr for a
/// coroutine of another kind (which this stage cannot destroy at teardown).
template <class P>
PromiseBase* frame_of(std::coroutine_handle<P> coroutine) noexcept {
  if constexpr (std::is_base_of_v<PromiseBase, P>) {
    return &coroutine.promise();
  } else {
    return nullptr;
  }
}

/// Teardown: destroys, without running any more of its code, the whole chain
/// `frame` belongs to. The chain is found by walking up to its root, the
/// driver that start() (or a combinator) made; destroying the root destroys
/// the Task it owns, whose frame destroys the Task it awaits, and so on down
/// to `frame`. A chain whose top is not a driver is left alone (it leaks).
void destroy_chain(PromiseBase* frame) noexcept;

/// Called as an exception leaves a coroutine: the frame adds its line to the
/// backtrace of that exception (see async_backtrace).
void trace(const std::exception_ptr& error, const PromiseBase& frame);

// The part of a task's promise that does not depend on how it returns.
template <class T>
struct TaskPromiseBase : PromiseBase {
  std::suspend_always initial_suspend() noexcept { return {}; }  // lazy

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> self) noexcept {
      // Ended while the awaiter was still starting it (Task::Awaiter below):
      // return to that await_suspend, which continues the awaiter itself.
      if (self.promise().starting) return std::noop_coroutine();
      // Ended later (from a reactor callback): back to the awaiting coroutine,
      // by symmetric transfer. A jump if the compiler emits a tail call; GCC
      // at -O0 emits a nested call instead, one stack frame per chain level.
      std::coroutine_handle<> next = self.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept {
    std::exception_ptr error = std::current_exception();
    trace(error, *this);
    result.template emplace<2>(std::move(error));  // the original, never a copy or wrapper
  }

  Stored<T> take() {
    if (result.index() == 2) std::rethrow_exception(std::get<2>(result));
    return std::move(std::get<1>(result));
  }

  std::coroutine_handle<> continuation;
  bool starting = false;  // true while Task::Awaiter::await_suspend runs this task
  bool awaited = false;   // a task runs once: a second co_await is a bug
  std::variant<std::monostate, Stored<T>, std::exception_ptr> result;
};

template <class T>
struct TaskPromise : TaskPromiseBase<T> {
  template <class V>
  void return_value(V&& v) {
    this->result.template emplace<1>(std::forward<V>(v));
  }
};

template <>
struct TaskPromise<void> : TaskPromiseBase<void> {
  void return_void() noexcept { result.emplace<1>(); }
};

}  // namespace detail

/// Frames alive right now: tests check it is zero after every scenario.
inline std::size_t live_frames() noexcept {
  return detail::live_frames.load();
}

/// The coroutines `error` went up through, innermost first, one line each
/// ("  #0 fetch_profile at stage3_coroutines/async_services.hpp:LINE"); empty if
/// `error` is not the exception that most recently left a task on this thread.
/// Ask at once, where the exception comes out (start()'s `done`): the record
/// follows one exception at a time, beside it, so the exception itself stays
/// the object the user threw (`catch (const MyError&)` still matches).
std::string async_backtrace(const std::exception_ptr& error);

template <class T>
class [[nodiscard]] Task {
 public:
  using value_type = T;
  struct promise_type : detail::TaskPromise<T> {
    // The compiler makes the promise inside the new coroutine, so this default
    // argument names the coroutine itself, for the backtrace.
    explicit promise_type(std::source_location coroutine = std::source_location::current()) {
      this->function = coroutine;
    }
    Task get_return_object() noexcept {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
  };

  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  /// False once moved from: the frame belongs to someone else now.
  bool valid() const noexcept { return static_cast<bool>(handle_); }
  /// The frame, for the machinery (the driver awaits a task start() claimed).
  std::coroutine_handle<promise_type> handle() const noexcept { return handle_; }
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ~Task() {
    if (handle_) handle_.destroy();  // the one place a task's frame is freed
  }

  // Awaiting a task starts it with an ordinary call, and whoever comes second
  // decides: if the task ended inside that call (it never suspended), it does
  // not resume us (FinalAwaiter sees `starting`) and await_suspend returns
  // false, so we go on as from a plain function call. A million such awaits in
  // a row use constant stack in every build. If the task suspended, we suspend
  // too, and its end resumes us from the reactor's callback.
  struct Awaiter {
    explicit Awaiter(std::coroutine_handle<promise_type> h) noexcept : child(h) {}
    std::coroutine_handle<promise_type> child;
    bool await_ready() noexcept { return false; }  // lazy: it has not even started
    template <class P>
    bool await_suspend(std::coroutine_handle<P> awaiting) {
      auto& promise = child.promise();
      promise.continuation = awaiting;
      promise.awaiter = detail::frame_of(awaiting);
      if (promise.awaiter) promise.stop = promise.awaiter->stop;  // the child inherits the token
      promise.starting = true;
      child.resume();  // runs the task until it first suspends, or to its end
      promise.starting = false;
      return !child.done();
    }
    detail::Stored<T> await_resume() { return child.promise().take(); }
  };
  /// Throws std::logic_error for a task moved from or awaited before.
  Awaiter operator co_await() && {
    claim();
    return Awaiter(handle_);
  }

  /// The check co_await and start() make: this task may run, once.
  void claim() {
    if (!handle_) throw std::logic_error("this Task was moved from: await or start the new one");
    if (handle_.promise().awaited) throw std::logic_error("a Task can be awaited only once");
    handle_.promise().awaited = true;
  }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

namespace detail {

// A coroutine nobody awaits: it starts at once, and its frame frees itself at
// the end, or is destroyed by destroy_chain at teardown (its `done` is then
// destroyed without being called, Asio's rule for a pending handler). start() uses one to run a
// task to completion and report the result through a callback: the bridge from stage 3 back to
// stage 1's world.
struct Detached {
  struct promise_type : PromiseBase {
    // The coroutine's arguments come here too: a std::stop_token among them
    // becomes the token of this driver, and so of the task it awaits.
    template <class... Args>
    explicit promise_type(Args&... args) {
      auto take = [this](auto& arg) {
        if constexpr (std::is_same_v<std::decay_t<decltype(arg)>, std::stop_token>) stop = arg;
      };
      (take(args), ...);
    }
    Detached get_return_object() noexcept {
      root = std::coroutine_handle<promise_type>::from_promise(*this);
      return {};
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    // run_detached catches the task's exceptions; only its `done` callback can
    // throw here. Rethrown, it leaves Reactor::run() as a stage-1 handler's
    // would (this frame then stays behind: a bug is being reported).
    void unhandled_exception() { throw; }
  };
};

// The driver catches everything, so it never adds itself to a backtrace.
// `stop` is read by the promise's constructor (Detached above).
template <class T>
Detached run_detached(Task<T> task, UniqueFunction<void(std::exception_ptr, Stored<T>)> done,
                      [[maybe_unused]] std::stop_token stop = {}) {
  std::exception_ptr error;
  Stored<T> value{};
  try {
    if constexpr (std::is_void_v<T>) {
      co_await typename Task<T>::Awaiter(task.handle());
    } else {
      value = co_await typename Task<T>::Awaiter(task.handle());
    }
  } catch (...) {
    error = std::current_exception();
  }
  done(error, std::move(value));
}

}  // namespace detail

/// Starts `task` now, on this stack, and calls done(exception, value) when it
/// finishes. Nobody awaits it: `done` is the only way its result comes out.
/// Throws std::logic_error (and calls nothing) for a task moved from or awaited.
/// Destroyed with the reactor before it finishes, the task's frames are freed
/// without running further, and `done` is destroyed without being called.
/// Stopping `stop` cancels the operation the task waits on; the task then
/// sees errc::cancelled thrown from that co_await.
template <class T, class Done>
void start(Task<T> task, Done done, std::stop_token stop = {}) {
  task.claim();
  detail::run_detached<T>(std::move(task), std::move(done), std::move(stop));
}

}  // namespace evo::stage3
