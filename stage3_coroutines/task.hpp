#pragma once
// Stage 3's machinery, part 1: Task<T>, a lazy coroutine, and the ways to
// start one. Part 2 (awaitable.hpp) turns callback APIs into things to await.
//
// A Task does nothing until it is awaited (or started). `co_await task` stores
// the awaiting coroutine in the task's promise and jumps straight into the
// task (symmetric transfer: no stack growth, no reactor event). When the task
// finishes, it jumps back to whoever awaited it. Its exception, if any, is
// rethrown there. The Task object owns the frame and destroys it exactly once.

#include <atomic>
#include <cassert>
#include <coroutine>
#include <exception>
#include <optional>
#include <source_location>
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

inline std::atomic<std::size_t> live_frames{0};

using evo::Stored;  // common/stored.hpp

// What every coroutine frame of this stage carries: the frame counter, and
// what an async backtrace needs to name it (which coroutine, where it waits).
struct PromiseBase {
  PromiseBase() { live_frames.fetch_add(1, std::memory_order_relaxed); }
  ~PromiseBase() { live_frames.fetch_sub(1, std::memory_order_relaxed); }

  // Every co_await in the coroutine passes through here first; the default
  // argument is evaluated at the co_await, so it names that line.
  template <class Awaitable>
  Awaitable&& await_transform(Awaitable&& awaitable,
                              std::source_location at = std::source_location::current()) {
    where = at;
    return std::forward<Awaitable>(awaitable);
  }

  std::source_location function;  // which coroutine this is
  std::source_location where;     // its last co_await (empty before the first)
};

/// The error a failed task carries upward: the original error_code, plus the
/// coroutines it went through, innermost first. Each frame adds its own line
/// as the exception leaves it, so the chain is exactly the path it took, and
/// nothing has to point at frames that may be gone by then.
class TracedError : public std::system_error {
 public:
  explicit TracedError(std::error_code ec) : std::system_error(ec) {}
  const std::string& chain() const noexcept { return chain_; }
  void add_frame(const PromiseBase& frame);

 private:
  std::string chain_;
  int depth_ = 0;
};

// Called as an exception leaves a coroutine: a system_error becomes a
// TracedError, and the frame adds its line.
inline std::exception_ptr trace(std::exception_ptr e, const PromiseBase& frame) {
  try {
    std::rethrow_exception(e);
  } catch (TracedError& traced) {
    traced.add_frame(frame);  // the same object the exception_ptr holds
    return e;
  } catch (const std::system_error& error) {
    TracedError traced(error.code());
    traced.add_frame(frame);
    return std::make_exception_ptr(std::move(traced));
  } catch (...) {
    return e;
  }
}

// The part of a task's promise that does not depend on how it returns.
template <class T>
struct TaskPromiseBase : PromiseBase {
  std::suspend_always initial_suspend() noexcept { return {}; }  // lazy

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> self) noexcept {
      // Back to the awaiting coroutine, by a jump rather than a nested call.
      std::coroutine_handle<> next = self.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept {
    result.template emplace<2>(trace(std::current_exception(), *this));
  }

  Stored<T> take() {
    if (result.index() == 2) std::rethrow_exception(std::get<2>(result));
    assert(result.index() == 1 && "awaited a task that has not finished");
    return std::move(std::get<1>(result));
  }

  std::coroutine_handle<> continuation;
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
  return detail::live_frames.load(std::memory_order_relaxed);
}

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

  struct Awaiter {
    explicit Awaiter(std::coroutine_handle<promise_type> h) noexcept : child(h) {}
    std::coroutine_handle<promise_type> child;
    bool await_ready() noexcept { return false; }  // lazy: it has not even started
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
      child.promise().continuation = awaiting;
      return child;  // symmetric transfer: start the child right now
    }
    detail::Stored<T> await_resume() { return child.promise().take(); }
  };
  Awaiter operator co_await() && noexcept { return Awaiter(handle_); }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

namespace detail {

// A coroutine nobody awaits: it starts at once, and its frame frees itself at
// the end. start() uses one to run a task to completion and report the result
// through a callback: the bridge from stage 3 back to stage 1's world.
struct Detached {
  struct promise_type : PromiseBase {
    Detached get_return_object() noexcept { return {}; }
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
template <class T>
Detached run_detached(Task<T> task, UniqueFunction<void(std::exception_ptr, Stored<T>)> done) {
  std::exception_ptr error;
  Stored<T> value{};
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(task);
    } else {
      value = co_await std::move(task);
    }
  } catch (...) {
    error = std::current_exception();
  }
  done(error, std::move(value));
}

}  // namespace detail

/// Starts `task` now, on this stack, and calls done(exception, value) when it
/// finishes. Nobody awaits it: `done` is the only way its result comes out.
template <class T, class Done>
void start(Task<T> task, Done done) {
  detail::run_detached<T>(std::move(task), std::move(done));
}

}  // namespace evo::stage3
