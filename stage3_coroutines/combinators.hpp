#pragma once
// Combinators on tasks: spawn (start a task under its own label), when_all
// and with_timeout. Stage 1's join counter and race once more, this time
// resuming a coroutine instead of calling a handler.
//
// Structured concurrency: when_all and with_timeout give each child a stop
// token of its own, linked to their own (ChildStops, common/cancel.hpp). When
// they answer early (the first error, the deadline) they stop the children
// first; the services answer a stop at once, so every child has ended before
// the awaiting coroutine goes on. A stop request from above reaches them the
// same way.

#include <exception>
#include <memory>
#include <optional>
#include <stop_token>
#include <string_view>
#include <variant>
#include <vector>

#include "common/cancel.hpp"
#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "task.hpp"

namespace evo::stage3 {
namespace detail {

// The coroutine waiting at a join point (a spawn's slot, when_all, a race):
// resumed once, when the answer comes; or, at teardown, when what it waits
// for is destroyed unrun, its chain is destroyed instead (destroy_chain).
class Waiter {
 public:
  template <class P>
  void wait(std::coroutine_handle<P> coroutine) noexcept {
    handle_ = coroutine;
    frame_ = frame_of(coroutine);
  }
  void resume() {
    if (handle_) std::exchange(handle_, nullptr).resume();
  }
  void abandon() noexcept {
    if (!handle_) return;
    handle_ = nullptr;  // first, so that nothing reached from here resumes it
    destroy_chain(frame_);
  }

 private:
  std::coroutine_handle<> handle_;
  PromiseBase* frame_ = nullptr;
};

// Wraps what a driver (run_detached) or a timer reports to. Destroyed without
// a call at teardown (the reactor drops its pending work, and with it the
// chain that would have reported), it runs `dropped`. Destroyed uncalled at
// any other time, it was dropped on purpose (a cancelled timer): nothing.
template <class Report, class Dropped>
class ReportOnce {
 public:
  ReportOnce(Report report, Dropped dropped)
      : report_(std::move(report)), dropped_(std::move(dropped)) {}
  ReportOnce(ReportOnce&& other) noexcept
      : report_(std::move(other.report_)),
        dropped_(std::move(other.dropped_)),
        armed_(std::exchange(other.armed_, false)) {}
  ~ReportOnce() {
    if (armed_ && reactor_tearing_down()) dropped_();
  }
  template <class... A>
  void operator()(A&&... args) {
    armed_ = false;
    report_(std::forward<A>(args)...);
  }

 private:
  Report report_;
  Dropped dropped_;
  bool armed_ = true;
};

// A result that one coroutine may wait for: what a spawned task reports into.
template <class T>
struct Slot {
  void set(std::exception_ptr error, Stored<T> value) {
    if (error) {
      result.template emplace<2>(error);
    } else {
      result.template emplace<1>(std::move(value));
    }
    waiter.resume();
  }
  // The task will never report (teardown): a waiting chain is destroyed; an
  // await that comes later (the reactor is gone by then) hears broken_promise.
  void abandon() noexcept {
    result.template emplace<2>(std::make_exception_ptr(std::system_error(errc::broken_promise)));
    waiter.abandon();
  }

  std::variant<std::monostate, Stored<T>, std::exception_ptr> result;
  Waiter waiter;
  // The spawned task's stop token, decided by whichever comes first. An
  // awaiter that comes before the task starts (when_all's, the usual case)
  // hands the task its own token: a stop request reaches the task directly,
  // and nothing is allocated. A task that starts first gets a source of its
  // own (`stop`), which its awaiter, if it has a token, stops later.
  std::stop_token token;
  std::stop_source stop{std::nostopstate};
  bool token_set = false;
};

// Forwards a stop request from one token to another source.
struct StopForward {
  std::stop_source to;
  void operator()() noexcept { to.request_stop(); }
};

// Every awaiter here has a constructor: GCC 12 destroys an aggregate
// temporary in a co_await expression twice (a compiler bug, fixed in GCC 13).
template <class T>
struct SlotAwaiter {
  explicit SlotAwaiter(std::shared_ptr<Slot<T>> s) : slot(std::move(s)) {}
  std::shared_ptr<Slot<T>> slot;
  // The fast path: a task that already finished is not waited for at all.
  bool await_ready() const noexcept { return slot->result.index() != 0; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> coroutine) {
    // A stop request to the awaiting coroutine stops the spawned task too:
    // through the token it hands down (the task has not started), or through
    // a link to the task's own source (see Slot). If our token is stopped
    // already, the link's stop_callback runs StopForward in its
    // constructor, and the task may finish right there, inline: its result is
    // then in the slot, with no one yet in the waiter to resume. So the
    // result is checked after the link is made, and the coroutine goes on at
    // once (false) instead of waiting for a resume that already happened.
    // (The waiter is stored only after: stored before, set() would resume the
    // coroutine inside its own await_suspend.)
    PromiseBase* frame = frame_of(coroutine);
    std::stop_token ours = frame ? frame->stop : std::stop_token();
    if (!std::exchange(slot->token_set, true)) {
      slot->token = std::move(ours);  // the task has not started: it will take our token
    } else if (ours.stop_possible()) {
      link = std::make_unique<std::stop_callback<StopForward>>(ours, StopForward{slot->stop});
    }
    if (slot->result.index() != 0) return false;
    slot->waiter.wait(coroutine);
    return true;
  }
  Stored<T> await_resume() {
    if (slot->result.index() == 2) std::rethrow_exception(std::get<2>(slot->result));
    return std::move(std::get<1>(slot->result));
  }
  std::unique_ptr<std::stop_callback<StopForward>> link;  // a pointer: GCC 12 moves awaiters
};

// Runs `task` in a driver that reports into `slot`, or abandons it if the
// driver is destroyed first (teardown).
template <class T>
void run_into(std::shared_ptr<Slot<T>> slot, Task<T> task) {
  auto report = [slot](std::exception_ptr error, Stored<T> value) {
    slot->set(error, std::move(value));
  };
  auto dropped = [slot]() noexcept { slot->abandon(); };
  if (!std::exchange(slot->token_set, true)) {  // nobody awaits yet: a source for whoever will
    slot->stop = std::stop_source();
    slot->token = slot->stop.get_token();
  }
  std::stop_token stop = slot->token;
  run_detached<T>(std::move(task), ReportOnce(std::move(report), std::move(dropped)),
                  std::move(stop));
}

// What spawn() queues: start the task and report into the slot. Dropped
// unrun (the reactor destroyed with it queued), the task's frame is freed
// unrun and the slot abandoned (see Slot::abandon). No other code drops it.
template <class T>
struct StartLater {
  StartLater(std::shared_ptr<Slot<T>> s, Task<T> t) : slot(std::move(s)), task(std::move(t)) {}
  StartLater(StartLater&&) noexcept = default;
  ~StartLater() {
    if (task.valid() && slot) slot->abandon();
  }
  void operator()() {  // spawn() claimed the task already
    run_into(std::move(slot), std::move(task));
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
  task.claim();
  reactor.spawn(label, detail::StartLater<T>(slot, std::move(task)));
  return detail::wait_for(slot);
}

namespace detail {

// What when_all gives back: the values in order, or nothing for Task<void>.
template <class T>
using AllOf = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;

template <class T>
struct WhenAll {
  struct State {
    std::vector<Stored<T>> results;
    std::size_t left;
    std::exception_ptr error;
    Waiter waiter;
    bool finished = false;
    std::optional<ChildStops> children;  // one token per task, stopped with ours too
  };

  explicit WhenAll(std::vector<Task<T>> t) : tasks(std::move(t)) {}
  std::vector<Task<T>> tasks;
  std::shared_ptr<State> state;

  bool await_ready() const noexcept { return tasks.empty(); }

  // Starts every task here, on this stack, each up to its first suspension.
  // The tasks spawn() returns (two_tasks, fetch_all) only wait for their
  // spawned task's slot, so they suspend at once: the real work starts later,
  // when the reactor runs what spawn() queued.
  template <class P>
  bool await_suspend(std::coroutine_handle<P> coroutine) {
    for (Task<T>& task : tasks) task.claim();
    state = std::make_shared<State>(std::vector<Stored<T>>(tasks.size()), tasks.size());
    PromiseBase* frame = frame_of(coroutine);
    state->children.emplace(tasks.size(), frame ? frame->stop : std::stop_token());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      auto report = [state = state, i](std::exception_ptr error, Stored<T> value) {
        if (state->finished) return;  // an earlier error already answered
        if (error) {
          state->error = error;
          state->finished = true;
          state->children->request_stop();  // the others are no longer needed
        } else {
          state->results[i] = std::move(value);
          if (--state->left > 0) return;
          state->finished = true;
        }
        state->waiter.resume();
      };
      auto dropped = [state = state]() noexcept {
        if (!std::exchange(state->finished, true)) state->waiter.abandon();
      };
      run_detached<T>(std::move(tasks[i]), ReportOnce(std::move(report), std::move(dropped)),
                      state->children->token(i));
    }
    if (state->finished) return false;  // all done while starting: do not suspend
    state->waiter.wait(coroutine);      // set last, so nothing resumes us too early
    return true;
  }

  AllOf<T> await_resume() {
    if (state && state->error) std::rethrow_exception(state->error);
    if constexpr (!std::is_void_v<T>) {
      if (!state) return {};
      return std::move(state->results);
    }
  }
};

template <class T>
struct Race {
  using Outcome = std::variant<std::monostate, Stored<T>, std::exception_ptr>;
  struct State {
    Outcome result;
    Waiter waiter;
    TimerId timer;
    bool done = false;
    std::optional<ChildStops> loser;  // the task's token, stopped with ours too
  };

  Race(Reactor& r, Task<T> t, Duration d) : reactor(r), task(std::move(t)), timeout(d) {}
  Reactor& reactor;
  Task<T> task;
  Duration timeout;
  std::shared_ptr<State> state = std::make_shared<State>();

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> coroutine) {
    task.claim();
    PromiseBase* frame = frame_of(coroutine);
    state->loser.emplace(1, frame ? frame->stop : std::stop_token());
    // At teardown, the task's driver or the timer is destroyed unrun: the
    // first of them to go destroys the waiting chain, the second finds it done.
    auto dropped = [state = state]() noexcept {
      if (!std::exchange(state->done, true)) state->waiter.abandon();
    };
    auto report = [&reactor = reactor, state = state](std::exception_ptr error, Stored<T> value) {
      if (state->done) return;  // too late: the caller already got errc::timeout
      reactor.cancel(state->timer);
      decide(*state, error ? Outcome(std::in_place_index<2>, error)
                           : Outcome(std::in_place_index<1>, std::move(value)));
    };
    run_detached<T>(std::move(task), ReportOnce(std::move(report), dropped),
                    state->loser->token(0));
    if (state->done) return false;  // it answered already: no race to run
    auto expire = [state = state] {
      if (state->done) return;
      state->done = true;            // first: the loser's errc::cancelled is not the answer
      state->loser->request_stop();  // nothing runs on after the deadline
      auto timeout_error = std::make_exception_ptr(std::system_error(errc::timeout));
      decide(*state, Outcome(std::in_place_index<2>, timeout_error));
    };
    state->timer = reactor.call_after(timeout, ReportOnce(std::move(expire), dropped), "timeout");
    state->waiter.wait(coroutine);
    return true;
  }

  // Whoever comes first records the outcome and resumes the awaiting coroutine.
  static void decide(State& state, Outcome outcome) {
    state.done = true;
    state.result = std::move(outcome);
    state.waiter.resume();
  }

  Stored<T> await_resume() {
    if (state->result.index() == 2) std::rethrow_exception(std::get<2>(state->result));
    return std::move(std::get<1>(state->result));
  }
};

}  // namespace detail

/// All tasks started at once (so a fan-out takes the longest of them, not
/// their sum); the values in input order, or the first error as soon as it
/// happens. The tasks still running are stopped first (they see
/// errc::cancelled); one waiting on something that cannot be cancelled
/// finishes on its own, unheard.
template <class T>
Task<detail::AllOf<T>> when_all(std::vector<Task<T>> tasks) {
  if constexpr (std::is_void_v<T>) {
    co_await detail::WhenAll<T>(std::move(tasks));
  } else {
    co_return co_await detail::WhenAll<T>(std::move(tasks));
  }
}

/// The task's result, or errc::timeout (thrown) after `timeout`, whichever
/// comes first. The loser is stopped: a timer that lost is cancelled, a task
/// that lost sees errc::cancelled. A task waiting on something that cannot be
/// cancelled runs on; its late result finds the race decided and is dropped
/// (its frame frees itself when it ends). No frame is ever resumed after it
/// was destroyed.
template <class T>
Task<T> with_timeout(Reactor& reactor, Task<T> task, Duration timeout) {
  if constexpr (std::is_void_v<T>) {
    co_await detail::Race<T>(reactor, std::move(task), timeout);
  } else {
    co_return co_await detail::Race<T>(reactor, std::move(task), timeout);
  }
}

}  // namespace evo::stage3
