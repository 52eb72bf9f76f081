// The reactor's fd half: watches, one per (fd, interest), and the poll that
// turns readiness into ready callbacks. The loop itself is in reactor.cpp; the
// epoll calls are in poller.cpp.
#include <stdexcept>
#include <string>
#include <system_error>

#include "reactor.hpp"

namespace evo {

void Reactor::watch(int fd, Interest interest, Callback&& fn) {
  check_thread();
  if (dropped_in_teardown(fn)) return;
  // Everything that can throw comes before fn is taken: a valid fd and a free
  // slot first, then the kernel. If any says no, the caller still holds fn.
  if (fd < 0) throw std::system_error(EBADF, std::system_category(), "Reactor::watch");
  if (static_cast<std::size_t>(fd) >= watches_.size()) watches_.resize(fd + 1);
  Watch& w = watches_[fd].of[static_cast<int>(interest)];
  if (w.id != 0) throw std::logic_error("Reactor::watch: fd is already watched for that");
  poller_.update(fd, watches_[fd].wanted() | Poller::bit(interest));
  std::uint64_t id = next_id_++;
  w = {std::move(fn), current_, id};
  // As in call_after: nothing armed or watched, so this iteration did not
  // read the clock. Read it before the watch counts, or a call_after right
  // after this would take now_ as fresh and arm its deadline from the past.
  if (clock_ == ClockMode::real && live_timers_ == 0 && watching_ == 0) read_clock();
  ++watching_;
  acquire(current_);
  const char* what = interest == Interest::readable ? " readable" : " writable";
  if (observer_) emit(EventKind::fd_watched, current_, id, {}, "fd " + std::to_string(fd) + what);
}

bool Reactor::unwatch(int fd) {
  bool dropped = unwatch(fd, Interest::readable);
  dropped = unwatch(fd, Interest::writable) || dropped;
  poller_.remove(fd);
  return dropped;
}

bool Reactor::unwatch(int fd, Interest interest) {
  check_thread();
  Watch dropped = take_watch(fd, interest);
  if (dropped.id == 0) return false;
  poller_.update_later(fd, watches_[fd].wanted());
  emit(EventKind::fd_unwatched, dropped.label, dropped.id, {}, "fd " + std::to_string(fd));
  drop(std::move(dropped.fn), dropped.label);
  return true;
}

// Returns true if any fd became ready; their callbacks join the ready queue.
// The fd stays registered: the poller is told what is still wanted on its
// next wait, by when the callback has often asked for the same again.
bool Reactor::poll_fds(int timeout_ms) {
  fds_ready_.clear();
  poller_.wait(timeout_ms, fds_ready_);
  update_clock();
  for (auto [fd, events] : fds_ready_) {
    for (Interest interest : {Interest::readable, Interest::writable}) {
      Watch fired = events & Poller::bit(interest) ? take_watch(fd, interest) : Watch{};
      if (fired.id == 0) continue;  // not ready, or a stale report for a dropped watch
      ++stats_.fd_events;
      emit(EventKind::fd_ready, fired.label, fired.id);
      enqueue(std::move(fired.fn), fired.label, next_id_++);
      release(fired.label);
    }
    poller_.update_later(fd, watches_[fd].wanted());
  }
  return !fds_ready_.empty();
}

}  // namespace evo
