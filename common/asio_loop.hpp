#pragma once
// The Asio engine's event loop: one boost::asio::io_context, run on one thread,
// plus the two things our hand reactor has and Asio leaves to you: a virtual
// clock, and a trace (labels and events for the observers of common/trace.hpp).
//
// Time. Every timer of this engine is a `Timer`, Asio's basic_waitable_timer
// with our own Clock and WaitTraits. LoopClock::now() reads steady_clock, or,
// while a virtual-clock Loop lives on this thread, that loop's counter.
// LoopWaitTraits tells Asio never to sleep for virtual time (every wait is
// "zero"), and Loop::run() polls the io_context instead of running it: when a
// poll ran nothing, the loop is idle, so the counter jumps to the earliest
// armed deadline and the next poll finds that timer due.
//
// Trace. Asio calls completion handlers itself, so the loop cannot watch them
// run; instead the engine wraps each handler it gives Asio (Traced below). The
// wrapper remembers the label it was made under and reports when it runs or
// is destroyed unrun; it also counts itself, so a leak shows as live_handlers().
//
// Single-threaded like the hand reactor: every member is for the loop's thread.

#include <boost/asio/associator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "labels.hpp"
#include "reactor.hpp"
#include "trace.hpp"

namespace evo::asio_engine {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

/// steady_clock, or the virtual time of the Loop living on this thread.
struct LoopClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<LoopClock, duration>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
};

/// How long Asio may sleep for a deadline: as long as it says on the real
/// clock, never on the virtual one (Loop::run() jumps instead).
struct LoopWaitTraits {
  static LoopClock::duration to_wait_duration(const LoopClock::duration& d);
  static LoopClock::duration to_wait_duration(const LoopClock::time_point& t);
};

using Timer = asio::basic_waitable_timer<LoopClock, LoopWaitTraits>;

class Loop {
 public:
  /// What a wrapped handler remembers: whose it is, and the timer it waits on.
  struct Ticket {
    std::uint32_t label = 0;
    std::uint64_t id = 0;  // 0: moved from, or already run
    bool timer = false;
    bool io = false;  // a socket wait: "fd ready" before it runs
    Duration deadline{};
    std::string_view what;
  };

  /// One Loop per thread at a time (std::logic_error otherwise): the clock
  /// Asio reads through LoopClock::now() is found per thread, so a second
  /// loop would read the first one's virtual time, or leave it dangling.
  explicit Loop(ClockMode clock = ClockMode::real);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  asio::io_context::executor_type executor() noexcept { return io_.get_executor(); }
  asio::io_context& context() noexcept { return io_; }

  /// Runs until the io_context has no work left: io_context::run() on the real
  /// clock, poll-then-jump on the virtual one (see the top of this file).
  void run();

  /// Loop time since the loop was made.
  Duration now() const noexcept;
  ClockMode clock() const noexcept { return clock_; }
  void block_for(Duration d);
  void log(std::string_view text) { emit(EventKind::log, current_, 0, {}, text); }
  /// As Reactor::current_label(): valid while the running task has work.
  std::string_view current_label() const noexcept { return labels_.name(current_); }
  void set_observer(TraceObserver* observer) noexcept { observer_ = observer; }
  /// Counted as the hand reactor counts (no fd events, no ready queue of ours).
  const Reactor::Stats& stats() const noexcept { return stats_; }
  /// As Reactor::stop_when: run() returns soon after *flag is not zero
  /// (within 100 ms on the real clock), leaving what is pending to the destructor.
  void stop_when(const volatile std::sig_atomic_t* flag) noexcept { stop_flag_ = flag; }

  /// Wrapped handlers still alive: zero once run() returned, or one leaked.
  std::size_t live_handlers() const noexcept { return live_; }
  /// As Reactor::live_labels(): "main" and each task that still has work.
  std::size_t live_labels() const noexcept { return labels_.live(); }

  /// Starts a new task: posts fn to the io_context under `label`.
  template <class Fn>
  void spawn(std::string_view label, Fn fn) {
    std::uint32_t task = labels_.intern(label);
    emit(EventKind::spawn, current_, 0, {}, label);
    asio::post(io_, wrap(ready(task), std::move(fn)));
  }
  /// Posts fn under the current label (asio::post, traced).
  template <class Fn>
  void post(Fn fn) {
    asio::post(io_, wrap(ready(current_), std::move(fn)));
  }
  /// A handler for timer.async_wait(): reports "armed" now, "fired" or
  /// "cancelled" when Asio calls it.
  template <class Fn>
  auto wrap_timer(Duration delay, std::string_view what, Fn fn) {
    return wrap(arm(delay, what), std::move(fn));
  }

  /// A handler for a socket operation (async_connect, async_write,
  /// async_read): reports "fd N readable|writable" watched now, under `label`
  /// (the task that asked, even if another task's callback starts the
  /// operation), and "fd ready" when Asio calls it: the hand reactor's fd
  /// events, so --trace, --gantt and --trace-json draw both engines alike.
  /// Asio tries the syscall first and waits only on EAGAIN, and a composed
  /// operation (async_read) may wait several times: the trace shows one wait
  /// per operation either way.
  template <class Fn>
  auto wrap_io(std::uint32_t label, int fd, bool writable, Fn fn) {
    return wrap(watch(label, fd, writable), std::move(fn));
  }

  template <class Fn>
  class Traced;
  template <class Fn>
  Traced<Fn> wrap(Ticket ticket, Fn fn) {
    return Traced<Fn>(*this, ticket, std::move(fn));
  }

  // Used by Traced.
  void started(Ticket ticket, bool cancelled);
  void finished(std::uint32_t saved, Ticket ticket);
  void dropped(Ticket ticket);
  std::uint32_t current() const noexcept { return current_; }

 private:
  Ticket ready(std::uint32_t label);
  Ticket arm(Duration delay, std::string_view what);
  Ticket watch(std::uint32_t label, int fd, bool writable);
  void release(std::uint32_t label);
  void forget_deadline(const Ticket& ticket);
  void emit(EventKind kind, std::uint32_t label, std::uint64_t id, Duration duration = {},
            std::string_view detail = {}) {
    if (observer_) observer_->on_event({kind, now(), labels_.name(label), id, duration, detail});
  }

  ClockMode clock_;
  std::chrono::steady_clock::time_point start_;
  Duration virtual_now_{};
  std::multiset<Duration> deadlines_;  // armed timers, for the virtual jump

  Labels labels_;              // forgotten when done, as in the hand reactor
  std::uint32_t current_ = 0;  // label 0 is "main", as in the hand reactor
  std::uint64_t next_id_ = 1;
  std::size_t live_ = 0;
  TraceObserver* observer_ = nullptr;
  Reactor::Stats stats_;
  const volatile std::sig_atomic_t* stop_flag_ = nullptr;
  bool stop_requested() const noexcept { return stop_flag_ && *stop_flag_; }
  // Last, so destroyed first: the handlers it still holds are destroyed while
  // the labels and deadlines they report to are still there.
  asio::io_context io_{1};  // concurrency hint 1: one thread, so Asio may skip its locks

  template <class Fn>
  friend class Traced;
};

/// A completion handler that runs fn under the label it was made under, and
/// tells the observer: "run" (after "fired" or "cancelled" for a timer), then
/// "done" once the label has nothing left. Destroyed unrun (the io_context
/// went away), it only releases its label. Move-only, as Asio wants.
template <class Fn>
class Loop::Traced {
 public:
  Traced(Loop& loop, Ticket ticket, Fn fn) : loop_(&loop), ticket_(ticket), fn_(std::move(fn)) {
    ++loop_->live_;
  }
  Traced(Traced&& other) noexcept
      : loop_(other.loop_), ticket_(std::exchange(other.ticket_, {})), fn_(std::move(other.fn_)) {
    ++loop_->live_;
  }
  Traced& operator=(Traced&&) = delete;
  ~Traced() {
    --loop_->live_;
    if (ticket_.id != 0) loop_->dropped(ticket_);
  }

  /// The wrapped handler: what Asio asks about its executor, allocator and
  /// cancellation slot is answered from it (see the associator below).
  const Fn& inner() const noexcept { return fn_; }

  template <class... Args>
  void operator()(Args&&... args) {
    Ticket ticket = std::exchange(ticket_, {});
    struct Scope {  // restores the label and releases this one even if fn throws
      Loop& loop;
      std::uint32_t saved;
      Ticket ticket;
      ~Scope() { loop.finished(saved, ticket); }
    } scope{*loop_, loop_->current(), ticket};
    loop_->started(ticket, cancelled(args...));
    // Out of fn_ and into a local declared after `scope`: the handler is
    // destroyed first, under its own label, and only then is the label
    // released, as the hand reactor does (what its destructor does is its
    // task's work, and current_label()'s view stays valid until then).
    Fn fn = std::move(fn_);
    std::move(fn)(std::forward<Args>(args)...);
  }

 private:
  template <class... Args>
  static bool cancelled(const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
      return false;
    } else {
      const auto& first = std::get<0>(std::tie(args...));
      if constexpr (std::is_same_v<std::decay_t<decltype(first)>, error_code>) {
        return first == asio::error::operation_aborted;
      } else {
        return false;
      }
    }
  }

  Loop* loop_;
  Ticket ticket_;
  Fn fn_;
};

}  // namespace evo::asio_engine

// A wrapper must not hide what its handler is associated with: an executor
// (a strand, a coroutine's), an allocator, a cancellation slot. Asio asks the
// outermost handler; this answers every such question from the inner one,
// as Asio's own bind_executor and friends do.
template <template <class, class> class Associator, class Fn, class DefaultCandidate>
struct boost::asio::associator<Associator, evo::asio_engine::Loop::Traced<Fn>, DefaultCandidate>
    : Associator<Fn, DefaultCandidate> {
  static typename Associator<Fn, DefaultCandidate>::type get(
      const evo::asio_engine::Loop::Traced<Fn>& handler) noexcept {
    return Associator<Fn, DefaultCandidate>::get(handler.inner());
  }
  static auto get(const evo::asio_engine::Loop::Traced<Fn>& handler,
                  const DefaultCandidate& candidate) noexcept
      -> decltype(Associator<Fn, DefaultCandidate>::get(handler.inner(), candidate)) {
    return Associator<Fn, DefaultCandidate>::get(handler.inner(), candidate);
  }
};
