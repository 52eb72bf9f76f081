#pragma once
// The event loop every stage runs on.
//
// One iteration of run(), in this order (the phases are named functions in
// reactor.cpp, and common/README.md walks through them):
//   1. due timers   -> their callbacks move to the ready queue (waiting -> ready),
//                      earliest deadline first, ties in arming order;
//   2. ready phase  -> run the callbacks that were ready when the phase began;
//                      anything they post waits for the next iteration;
//   3. wait         -> if an fd is watched, epoll_wait (0 if work is ready, else
//                      until the next timer, else forever); with no fd, sleep
//                      until the next timer (real clock) or jump to it (virtual).
// run() returns when nothing is ready, armed or watched.
//
// The virtual clock jumps to the next deadline when nothing is ready, and also
// when the ready phases run since it last moved, at virtual_phase_cost each,
// add up to that deadline: a task that yields by re-posting cannot stop time.
// The fds are looked at (timeout 0) before any jump, so an fd that is ready
// beats a timer that is not due yet. common/README.md explains both choices.
//
// Single-threaded by design: every member must be called on the thread that
// created the reactor (asserted in debug builds). Nothing here locks, and
// there is no wake-up from other threads. That is the point: a callback runs
// to completion before the next one starts, so the stage code never needs a
// mutex, and a callback that blocks stops everyone (scenario `blocking`).
//
// Labels: every callback runs under a label (the task it belongs to). Work
// posted, armed or watched while a callback runs inherits its label; spawn()
// starts a new one. The trace shows which task each step belongs to. A label
// lives while its task has work and is forgotten at its "done" (labels.hpp):
// a loop that spawns a task per request holds a label per live task only.
//
// When a callback throws, the exception leaves run() (as in Boost.Asio). The
// loop stays usable: the callbacks that had not run yet stay queued, and
// calling run() again carries on where it stopped.
//
// A callback that will not run (cancelled, unwatched, or already run) is
// destroyed under its own label, before that label can be reported done:
// whatever its destructor does (a broken stage-2 promise runs a continuation)
// shows up in the trace as its own task's work.
//
// Teardown: ~Reactor destroys every callback still ready, armed or watched
// without running it, as Asio does with the handlers of a destroyed
// io_context. Destroying one can run code that posts, arms or watches more;
// while the reactor is being destroyed, such new work is destroyed on the spot
// instead of queued. So teardown is one pass and always ends: a retry loop
// whose dropped handler asks for another try cannot keep a dying loop alive.

#include <algorithm>
#include <cassert>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "labels.hpp"
#include "poller.hpp"
#include "trace.hpp"
#include "unique_function.hpp"

namespace evo {

using Callback = UniqueFunction<void()>;

enum class ClockMode { real, virtual_time };

/// Names an armed timer, for cancel(). Stale ids (fired or cancelled) are harmless.
struct TimerId {
  std::uint32_t slot = 0;
  std::uint64_t seq = 0;  // 0 never names a timer
};

/// True while a Reactor on this thread is destroying the work it still held
/// (inside ~Reactor). Stage machinery asks it so that, at teardown, what that
/// work owned is destroyed rather than resumed or continued: Asio's rule at
/// shutdown, and the reason a retry loop cannot keep a dying reactor alive.
namespace detail {
inline thread_local int teardowns_running = 0;  // ~Reactor calls on this thread, nested
}  // namespace detail
inline bool reactor_tearing_down() noexcept {
  return detail::teardowns_running > 0;
}

class Reactor {
 public:
  struct Stats {
    std::uint64_t iterations = 0;
    std::uint64_t callbacks_run = 0;
    std::uint64_t timers_armed = 0;
    std::uint64_t timers_cancelled = 0;
    std::uint64_t fd_events = 0;
    std::uint64_t sleeps = 0;  // real clock: clock_nanosleep calls (not Asio's loop)
    std::size_t peak_ready = 0;
    std::size_t peak_timer_entries =
        0;  // the timer heap at its largest, cancelled leftovers included
  };

  /// What one ready phase costs on the virtual clock ("How virtual time passes"
  /// in common/README.md): a task that yields by re-posting still lets time pass.
  static constexpr Duration virtual_phase_cost = std::chrono::microseconds(1);

  explicit Reactor(ClockMode clock = ClockMode::real);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  /// Queues fn to run in a later ready phase, under the current label; never
  /// inside post() itself. This is how an operation whose answer is known at
  /// once still answers later (Asio's rule; see stage 1's README).
  void post(Callback fn);
  /// Starts a new task: queues fn like post() but under `label`.
  void spawn(std::string_view label, Callback fn);
  /// Runs fn (under the current label) once `delay` has passed. `what` says what
  /// the timer stands for in the trace; it must outlive the timer (use a literal).
  TimerId call_after(Duration delay, Callback fn, std::string_view what = "timer");
  /// Disarms a timer: its callback is destroyed without running. False if it
  /// had already fired or been cancelled.
  bool cancel(TimerId id);
  /// One-shot: runs fn once when fd becomes readable (or writable). An fd
  /// may wait for both at once (full duplex), one watch per interest; the
  /// kernel keeps the fd registered until unwatch(fd), which must come before
  /// close(fd): run() throws std::system_error naming the fd if it finds a
  /// watched fd closed (see poller.hpp). On the virtual clock the loop only
  /// peeks at fds: an fd that is ready beats a timer not yet due, and an fd
  /// that is not ready waits behind the next timer.
  /// Strong guarantee: if it throws (that interest already watched, the
  /// kernel refuses the fd), fn is left to the caller, unmoved; hence the
  /// rvalue reference.
  void watch(int fd, Interest interest, Callback&& fn);
  /// Drops both watches on fd without running them, and forgets the fd: call
  /// it before close(fd). False if no watch was pending.
  bool unwatch(int fd);
  /// Drops the watch for one interest; the fd stays registered. False if none.
  bool unwatch(int fd, Interest interest);

  /// Runs until no work is left (see the phases above).
  void run();
  /// Makes run() return early, before its next iteration, once *flag is not
  /// zero: a signal handler may do little more than set such a flag. A wait
  /// in progress ends too, as the signal interrupts it; what is still pending
  /// stays pending, and the destructor drops it. (A signal that lands just
  /// before the wait starts is seen when the wait ends: at the next timer.)
  void stop_when(const volatile std::sig_atomic_t* flag) noexcept { stop_flag_ = flag; }

  /// Loop time since the reactor was made: read once per iteration (like
  /// libuv's uv_now), so every callback of one phase sees the same time. A
  /// loop with no timer armed and no fd watched skips the read: then now() is
  /// the time of the last read, and call_after() reads it afresh.
  Duration now() const noexcept { return now_; }
  ClockMode clock() const noexcept { return clock_; }

  /// Blocks the whole loop for d, as a synchronous call would (real clock: the
  /// thread sleeps; virtual clock: time moves on). Here to show why you never do it.
  void block_for(Duration d);
  /// Prints a line (through the observer) under the current label.
  void log(std::string_view text) { emit(EventKind::log, current_, 0, {}, text); }

  /// Runs each ready phase in a seeded random order instead of FIFO.
  void shuffle_ready_order(std::uint64_t seed) { shuffle_state_ = seed; }

  /// The running callback's label ("main" outside any). The view is valid
  /// while that task has work: at least until the callback has returned and
  /// been destroyed, then maybe not (its task may be done, its label
  /// forgotten). Copy it to keep it.
  std::string_view current_label() const noexcept { return labels_.name(current_); }
  void set_observer(TraceObserver* observer) noexcept { observer_ = observer; }
  const Stats& stats() const noexcept { return stats_; }
  /// Callbacks that are ready, armed or watched: zero after run() returns.
  std::size_t pending() const noexcept { return ready_now() + live_timers_ + watching_; }
  /// Labels the reactor holds: "main" and each task that still has work.
  std::size_t live_labels() const noexcept { return labels_.live(); }

 private:
  using LabelId = Labels::Id;
  struct Ready {
    Callback fn;
    LabelId label;
    std::uint64_t id;
  };
  struct Timer {
    Callback fn;
    LabelId label = 0;
    std::uint32_t what = 0;  // index in whats_
    std::uint64_t seq = 0;   // 0: slot is free
  };
  struct HeapEntry {
    Duration deadline;
    std::uint64_t seq;
    std::uint32_t slot;
  };
  struct Watch {
    Callback fn;
    LabelId label = 0;
    std::uint64_t id = 0;  // 0: nothing pending
  };
  struct FdWatches {
    Watch of[2];  // indexed by Interest
    Poller::Events wanted() const noexcept {
      return (of[0].id ? Poller::bit(Interest::readable) : 0) |
             (of[1].id ? Poller::bit(Interest::writable) : 0);
    }
  };

  // The phases of run(), in order.
  void update_clock();
  void read_clock() noexcept { now_ = std::chrono::steady_clock::now() - start_; }
  void move_due_timers_to_ready();
  void run_ready_callbacks();
  void wait_for_work();

  bool has_work() const noexcept { return pending() > 0; }
  bool stop_requested() const noexcept { return stop_flag_ && *stop_flag_; }
  void enqueue(Callback&& fn, LabelId label, std::uint64_t id);
  void run_one(Ready& item);
  void requeue_unrun();
  void drop(Callback&& fn, LabelId label);
  std::size_t ready_now() const noexcept { return ready_.size() + phase_.size() - next_to_run_; }
  // True, with fn destroyed, while ~Reactor runs: work added then never queues.
  bool dropped_in_teardown(Callback& fn) noexcept {
    if (tearing_down_) fn = nullptr;
    return tearing_down_;
  }
  // The earliest deadline armed, if any; not const: it first discards
  // cancelled timers' entries from the top of the heap. Here, so that it
  // inlines: it runs twice an iteration, and as a call it was a third of a
  // depth-1 chain's time.
  std::optional<Duration> next_deadline() {
    if (stale_entries_ > 0) drop_stale_top();  // a cancelled timer may be on top
    if (heap_.empty()) return std::nullopt;
    return heap_.front().deadline;
  }
  void drop_stale_top();
  std::chrono::steady_clock::time_point time_of(Duration deadline) const noexcept;
  void free_timer(std::uint32_t slot);
  void drop_stale_entries();
  bool poll_fds(int timeout_ms);
  // Empties the slot of (fd, interest) and hands back what it held (id 0: nothing).
  Watch take_watch(int fd, Interest interest) noexcept {
    if (fd < 0 || static_cast<std::size_t>(fd) >= watches_.size()) return {};
    Watch& w = watches_[fd].of[static_cast<int>(interest)];
    if (w.id != 0) --watching_;
    return std::exchange(w, {});
  }
  // Real clock: sleeps until start_ + deadline (deadlines, like now(), count
  // from the reactor's start). Virtual clock: jumps now_ there instead.
  void sleep_until(Duration deadline);
  std::uint32_t intern_what(std::string_view what) {
    auto it = std::find(whats_.begin(), whats_.end(), what);
    if (it == whats_.end()) it = whats_.insert(it, what);
    return static_cast<std::uint32_t>(it - whats_.begin());
  }
  // A label counts what its task has ready, armed, watched or running.
  void acquire(LabelId label) noexcept { labels_.acquire(label); }
  void release(LabelId label) {
    if (!labels_.release(label)) return;
    emit(EventKind::done, label, 0);
    labels_.forget(label);  // after "done", which still names it
  }
  void emit(EventKind kind, LabelId label, std::uint64_t id, Duration duration = {},
            std::string_view detail = {}) {
    if (observer_) observer_->on_event({kind, now_, labels_.name(label), id, duration, detail});
  }
  void check_thread() const noexcept {
    assert(std::this_thread::get_id() == owner_ && "a Reactor is used from one thread only");
  }

  ClockMode clock_;
  Duration now_{};
  std::chrono::steady_clock::time_point start_;
  std::thread::id owner_;

  Labels labels_;  // label 0 is "main", made first

  // The ready queue, as two vectors that swap at each ready phase: the phase
  // runs phase_ in place while new work lands in ready_. Both keep their
  // capacity, so a loop in its steady state allocates nothing here.
  std::vector<Ready> ready_;
  std::vector<Ready> phase_;
  std::size_t next_to_run_ = 0;                   // in phase_
  std::vector<std::string_view> whats_{"timer"};  // what the timers stand for, interned
  std::vector<HeapEntry> heap_;                   // a min-heap on (deadline, seq)
  std::size_t stale_entries_ = 0;                 // entries in heap_ of cancelled timers
  std::vector<Timer> timers_;                     // slots named by TimerId and HeapEntry
  std::vector<std::uint32_t> free_slots_;
  std::size_t live_timers_ = 0;
  std::vector<FdWatches> watches_;  // indexed by fd
  std::size_t watching_ = 0;        // watches pending, over all fds
  Poller poller_;
  std::vector<Poller::Ready> fds_ready_;  // poll_fds()'s buffer, reused
  bool running_ = false;
  const volatile std::sig_atomic_t* stop_flag_ = nullptr;  // stop_when()
  bool tearing_down_ = false;                              // inside ~Reactor
  Duration phases_paid_{};  // virtual clock: ready phases run since time last moved

  LabelId current_ = 0;  // label 0 is "main": code that runs outside any callback
  std::uint64_t next_id_ = 1;

  std::optional<std::uint64_t> shuffle_state_;  // set by shuffle_ready_order
  TraceObserver* observer_ = nullptr;
  Stats stats_;
};

}  // namespace evo
