#include "asio_loop.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace evo::asio_engine {
namespace {

// Asio asks the Clock for the time through a static now(), so the virtual
// time has to be found without an object: it is this thread's loop, while it
// lives and runs on the virtual clock. Hence one Loop per thread at a time.
thread_local Loop* virtual_loop = nullptr;
thread_local bool loop_alive = false;

}  // namespace

LoopClock::time_point LoopClock::now() noexcept {
  if (virtual_loop) return time_point(virtual_loop->now());
  return time_point(std::chrono::steady_clock::now().time_since_epoch());
}

LoopClock::duration LoopWaitTraits::to_wait_duration(const LoopClock::duration& d) {
  return virtual_loop ? LoopClock::duration::zero() : d;
}

LoopClock::duration LoopWaitTraits::to_wait_duration(const LoopClock::time_point& t) {
  return to_wait_duration(t - LoopClock::now());
}

Loop::Loop(ClockMode clock) : clock_(clock), start_(std::chrono::steady_clock::now()) {
  if (loop_alive) throw std::logic_error("asio_engine::Loop: this thread already has a Loop");
  loop_alive = true;
  if (clock_ == ClockMode::virtual_time) virtual_loop = this;
}

Loop::~Loop() {
  // Pending handlers die with the io_context, unrun: no observer for them.
  observer_ = nullptr;
  virtual_loop = nullptr;
  loop_alive = false;
}

Duration Loop::now() const noexcept {
  if (clock_ == ClockMode::virtual_time) return virtual_now_;
  return std::chrono::steady_clock::now() - start_;
}

void Loop::run() {
  io_.restart();
  if (clock_ == ClockMode::real) {
    // Asio sleeps in epoll until the next timer: the real clock's way. Its
    // wait goes on through a signal, so it is cut into slices, and between
    // two the stop flag (stop_when) is read, as the hand reactor reads it.
    while (!stop_requested()) {
      io_.run_for(std::chrono::milliseconds(100));  // every ready handler, up to 100 ms
      if (io_.stopped()) return;                    // no work left
    }
    return;
  }
  // Virtual clock: poll() runs every handler that is ready and every timer
  // that is due, and never sleeps. A poll that ran nothing means the loop is
  // idle: only then does time move, straight to the earliest deadline.
  while (!stop_requested()) {
    ++stats_.iterations;
    io_.restart();
    if (io_.poll() > 0) continue;
    if (io_.stopped()) return;  // no work left
    if (deadlines_.empty()) {
      throw std::logic_error("the Asio loop waits for something that is not a timer");
    }
    virtual_now_ = std::max(virtual_now_, *deadlines_.begin());
  }
}

void Loop::block_for(Duration d) {
  emit(EventKind::blocked, current_, 0, d);
  if (clock_ == ClockMode::virtual_time) {
    virtual_now_ += d;
  } else {
    std::this_thread::sleep_for(d);
  }
}

Loop::Ticket Loop::ready(std::uint32_t label) {
  Ticket ticket{label, next_id_++, false, false, {}, {}};
  labels_.acquire(label);
  emit(EventKind::ready, label, ticket.id);
  return ticket;
}

Loop::Ticket Loop::arm(Duration delay, std::string_view what) {
  delay = std::clamp(delay, Duration::zero(), Duration::max() - now());
  Ticket ticket{current_, next_id_++, true, false, now() + delay, what};
  labels_.acquire(current_);
  ++stats_.timers_armed;
  deadlines_.insert(ticket.deadline);
  emit(EventKind::timer_armed, current_, ticket.id, delay, what);
  return ticket;
}

Loop::Ticket Loop::watch(std::uint32_t label, int fd, bool writable) {
  Ticket ticket{label, next_id_++, false, true, {}, {}};
  labels_.acquire(label);
  emit(EventKind::fd_watched, label, ticket.id, {},
       "fd " + std::to_string(fd) + (writable ? " writable" : " readable"));
  return ticket;
}

// Asio hands us a handler only when it calls it, so a timer's "fired" (or
// "cancelled") and its "run" come together here; the hand reactor reports
// all of an iteration's due timers before it runs any of them.
void Loop::started(Ticket ticket, bool cancelled) {
  if (ticket.timer) {
    forget_deadline(ticket);
    if (cancelled) {
      ++stats_.timers_cancelled;
      emit(EventKind::timer_cancelled, ticket.label, ticket.id, {}, ticket.what);
    } else {
      emit(EventKind::timer_fired, ticket.label, ticket.id, now() - ticket.deadline, ticket.what);
    }
    emit(EventKind::ready, ticket.label, ticket.id);
  } else if (ticket.io) {
    ++stats_.fd_events;
    emit(EventKind::fd_ready, ticket.label, ticket.id);
    emit(EventKind::ready, ticket.label, ticket.id);
  }
  current_ = ticket.label;
  ++stats_.callbacks_run;
  emit(EventKind::run, ticket.label, ticket.id);
}

void Loop::finished(std::uint32_t saved, Ticket ticket) {
  current_ = saved;
  release(ticket.label);
}

void Loop::dropped(Ticket ticket) {
  if (ticket.timer) forget_deadline(ticket);
  release(ticket.label);
}

void Loop::forget_deadline(const Ticket& ticket) {
  auto it = deadlines_.find(ticket.deadline);
  if (it != deadlines_.end()) deadlines_.erase(it);
}

void Loop::release(std::uint32_t label) {
  if (!labels_.release(label)) return;
  emit(EventKind::done, label, 0);
  labels_.forget(label);  // after "done", which still names it
}

}  // namespace evo::asio_engine
