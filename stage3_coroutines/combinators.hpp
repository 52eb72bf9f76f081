#pragma once
// Combinators on tasks: spawn (start a task under its own label), when_all
// and with_timeout. Stage 1's join counter and race once more, this time
// resuming a coroutine instead of calling a handler.

#include <exception>
#include <memory>
#include <string_view>
#include <variant>
#include <vector>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "task.hpp"

namespace evo::stage3 {
namespace detail {

// A result that one coroutine may wait for: what a spawned task reports into.
template <class T>
struct Slot {
  void set(std::exception_ptr error, Stored<T> value) {
    if (error) {
      result.template emplace<2>(error);
    } else {
      result.template emplace<1>(std::move(value));
    }
    if (waiter) std::exchange(waiter, nullptr).resume();
  }

  std::variant<std::monostate, Stored<T>, std::exception_ptr> result;
  std::coroutine_handle<> waiter;
};

// Every awaiter here has a constructor: GCC 12 destroys an aggregate
// temporary in a co_await expression twice (a compiler bug, fixed in GCC 13).
template <class T>
struct SlotAwaiter {
  explicit SlotAwaiter(std::shared_ptr<Slot<T>> s) : slot(std::move(s)) {}
  std::shared_ptr<Slot<T>> slot;
  // The fast path: a task that already finished is not waited for at all.
  bool await_ready() const noexcept { return slot->result.index() != 0; }
  void await_suspend(std::coroutine_handle<> coroutine) noexcept { slot->waiter = coroutine; }
  Stored<T> await_resume() {
    if (slot->result.index() == 2) std::rethrow_exception(std::get<2>(slot->result));
    return std::move(std::get<1>(slot->result));
  }
};

// What spawn() queues: start the task and report into the slot. Dropped
// unrun (the reactor destroyed with it queued), it reports broken_promise,
// so whoever waits on the slot hears back rather than waiting forever.
template <class T>
struct StartLater {
  StartLater(std::shared_ptr<Slot<T>> s, Task<T> t) : slot(std::move(s)), task(std::move(t)) {}
  StartLater(StartLater&&) noexcept = default;
  ~StartLater() {
    if (task.valid() && slot) {
      slot->set(std::make_exception_ptr(std::system_error(errc::broken_promise)), {});
    }
  }
  void operator()() {
    auto report = [slot = slot](std::exception_ptr error, Stored<T> value) {
      slot->set(error, std::move(value));
    };
    run_detached<T>(std::move(task), std::move(report));
  }

  std::shared_ptr<Slot<T>> slot;
  Task<T> task;
};

template <class T>
Task<T> wait_for(std::shared_ptr<Slot<T>> slot) {
  if constexpr (std::is_void_v<T>) {
    co_await SlotAwaiter<T>(std::move(slot));
  } else {
    co_return co_await SlotAwaiter<T>(std::move(slot));
  }
}

}  // namespace detail

/// Starts `task` as a new task under `label` (Reactor::spawn) and returns a
/// Task that waits for its result. The work runs whether or not anyone awaits.
template <class T>
Task<T> spawn(Reactor& reactor, std::string_view label, Task<T> task) {
  auto slot = std::make_shared<detail::Slot<T>>();
  reactor.spawn(label, detail::StartLater<T>(slot, std::move(task)));
  return detail::wait_for(slot);
}

namespace detail {

template <class T>
struct WhenAll {
  struct State {
    std::vector<T> results;
    std::size_t left;
    std::exception_ptr error;
    std::coroutine_handle<> waiter;
    bool finished = false;
  };

  explicit WhenAll(std::vector<Task<T>> t) : tasks(std::move(t)) {}
  std::vector<Task<T>> tasks;
  std::shared_ptr<State> state;

  bool await_ready() const noexcept { return tasks.empty(); }

  bool await_suspend(std::coroutine_handle<> coroutine) {
    state = std::make_shared<State>(std::vector<T>(tasks.size()), tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      auto report = [state = state, i](std::exception_ptr error, T value) {
        if (state->finished) return;  // an earlier error already answered
        if (error) {
          state->error = error;
        } else {
          state->results[i] = std::move(value);
          if (--state->left > 0) return;
        }
        state->finished = true;
        if (state->waiter) std::exchange(state->waiter, nullptr).resume();
      };
      run_detached<T>(std::move(tasks[i]), std::move(report));
    }
    if (state->finished) return false;  // all done while starting: do not suspend
    state->waiter = coroutine;          // set last, so nothing resumes us too early
    return true;
  }

  std::vector<T> await_resume() {
    if (!state) return {};
    if (state->error) std::rethrow_exception(state->error);
    return std::move(state->results);
  }
};

template <class T>
struct Race {
  using Outcome = std::variant<std::monostate, Stored<T>, std::exception_ptr>;
  struct State {
    Outcome result;
    std::coroutine_handle<> waiter;
    TimerId timer;
    bool done = false;
  };

  Race(Reactor& r, Task<T> t, Duration d) : reactor(r), task(std::move(t)), timeout(d) {}
  Reactor& reactor;
  Task<T> task;
  Duration timeout;
  std::shared_ptr<State> state = std::make_shared<State>();

  bool await_ready() const noexcept { return false; }

  bool await_suspend(std::coroutine_handle<> coroutine) {
    auto report = [&reactor = reactor, state = state](std::exception_ptr error, Stored<T> value) {
      if (state->done) return;  // too late: the caller already got errc::timeout
      reactor.cancel(state->timer);
      decide(*state, error ? Outcome(std::in_place_index<2>, error)
                           : Outcome(std::in_place_index<1>, std::move(value)));
    };
    run_detached<T>(std::move(task), std::move(report));
    if (state->done) return false;  // it answered already: no race to run
    state->timer = reactor.call_after(
        timeout,
        [state = state] {
          if (state->done) return;
          auto timeout_error = std::make_exception_ptr(std::system_error(errc::timeout));
          decide(*state, Outcome(std::in_place_index<2>, timeout_error));
        },
        "timeout");
    state->waiter = coroutine;
    return true;
  }

  // Whoever comes first records the outcome and resumes the awaiting coroutine.
  static void decide(State& state, Outcome outcome) {
    state.done = true;
    state.result = std::move(outcome);
    if (state.waiter) std::exchange(state.waiter, nullptr).resume();
  }

  Stored<T> await_resume() {
    if (state->result.index() == 2) std::rethrow_exception(std::get<2>(state->result));
    return std::move(std::get<1>(state->result));
  }
};

}  // namespace detail

/// All tasks started at once (so a fan-out takes the longest of them, not
/// their sum); the values in input order, or the first error as soon as it
/// happens. Tasks still running then finish on their own, unheard.
template <class T>
Task<std::vector<T>> when_all(std::vector<Task<T>> tasks) {
  co_return co_await detail::WhenAll<T>(std::move(tasks));
}

/// The task's result, or errc::timeout (thrown) after `timeout`, whichever
/// comes first. The loser is harmless: a late result finds the race decided
/// and is dropped (its frame frees itself when it ends); a timer that lost is
/// cancelled. No frame is ever resumed after it was destroyed.
template <class T>
Task<T> with_timeout(Reactor& reactor, Task<T> task, Duration timeout) {
  co_return co_await detail::Race<T>(reactor, std::move(task), timeout);
}

}  // namespace evo::stage3
