#include "reactor.hpp"

#include <algorithm>
#include <stdexcept>
#include <system_error>
#include <tuple>

namespace evo {
namespace {

// Orders the timer heap so that the root is the earliest deadline, and of two
// equal deadlines the one armed first: that is what makes ties deterministic.
struct Later {
  bool operator()(const auto& a, const auto& b) const {
    return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
  }
};

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Reactor::Reactor(ClockMode clock)
    : clock_(clock), start_(std::chrono::steady_clock::now()), owner_(std::this_thread::get_id()) {
  intern("main");  // label 0: code that runs outside any callback
}

// Pending work is destroyed unrun (policy in reactor.hpp), moved out first: a
// destructor that calls cancel() or unwatch() finds nothing, and what one
// posts, arms or watches is destroyed at once (dropped_in_teardown), so this
// is one pass. The observer is detached: it may be gone already.
Reactor::~Reactor() {
  observer_ = nullptr;
  tearing_down_ = true;
  ++detail::teardowns_running;
  {
    auto doomed = std::make_tuple(std::move(ready_), std::move(timers_), std::move(watches_));
    ready_.clear(), timers_.clear(), watches_.clear(), live_timers_ = 0, watching_ = 0;
  }  // destructors cannot throw, so nothing skips the line below
  --detail::teardowns_running;
}

// Not reentrant: a callback that calls run() (to "wait" for a result) would
// empty the queue its own ready phase is walking. Waiting is what handlers are for.
void Reactor::run() {
  check_thread();
  if (running_) throw std::logic_error("Reactor::run called from inside a callback");
  running_ = true;
  struct Reset {  // also when a callback's exception leaves run()
    bool& flag;
    ~Reset() { flag = false; }
  } reset{running_};
  while (has_work()) {
    ++stats_.iterations;
    update_clock();
    move_due_timers_to_ready();
    run_ready_callbacks();
    wait_for_work();
  }
  update_clock();
}

// Phase 0: read the clock once. The virtual clock only moves when
// wait_for_work() jumps it (or a callback blocks), so there is nothing to read.
void Reactor::update_clock() {
  if (clock_ == ClockMode::real) now_ = std::chrono::steady_clock::now() - start_;
}

// Phase 1: waiting -> ready. Every timer whose deadline has passed hands its
// callback to the ready queue; none runs here, so a callback that arms a new
// timer cannot change the set being collected.
void Reactor::move_due_timers_to_ready() {
  while (auto deadline = next_deadline()) {
    if (*deadline > now_) break;
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    HeapEntry entry = heap_.back();
    heap_.pop_back();
    LabelId label = timers_[entry.slot].label;
    emit(EventKind::timer_fired, label, entry.seq, now_ - entry.deadline, timers_[entry.slot].what);
    enqueue(take_timer(entry.slot), label, next_id_++);
    release(label);  // the timer's hold on the label passes to the ready entry
  }
}

// Phase 2: run what was ready when the phase began, oldest first. Callbacks
// posted now land behind that count and run next iteration, so a callback
// that keeps re-posting itself cannot starve timers and I/O.
void Reactor::run_ready_callbacks() {
  std::size_t count = ready_.size();
  // --shuffle: Fisher-Yates over this phase's entries, with a seeded generator
  // of our own, since std::shuffle's order differs between standard libraries.
  for (std::size_t i = count; shuffle_state_ && i > 1; --i) {
    std::swap(ready_[i - 1], ready_[splitmix64(*shuffle_state_) % i]);
  }
  if (count > 0) phases_paid_ += virtual_phase_cost;
  for (; count > 0; --count) {
    Ready item = std::move(ready_.front());
    ready_.pop_front();  // popped before running: if it throws, the rest stay queued
    run_one(item);
  }
}

// Phase 3: wait for the next thing that can happen. With work already ready,
// only peek at the fds (timeout 0). Otherwise wait for I/O until the next
// timer, or sleep (real clock) / jump (virtual clock) to that timer.
void Reactor::wait_for_work() {
  std::optional<Duration> next = next_deadline();
  bool ready_now = !ready_.empty();
  // Virtual time also jumps while work is ready, once the phases run since it
  // last moved have paid for the wait: a task that yields cannot stop time.
  bool jump =
      next && clock_ == ClockMode::virtual_time && (!ready_now || now_ + phases_paid_ >= *next);
  // Virtual time never waits for I/O: it peeks first, and an fd that is ready
  // now beats the timer (the jump then waits for a later iteration).
  if (watching_ > 0) {
    int timeout_ms = ready_now || jump ? 0 : next ? Poller::timeout_until(start_ + *next) : -1;
    if (poll_fds(timeout_ms)) return;
  }
  if (next && (jump || (!ready_now && watching_ == 0))) sleep_until(*next);
}

void Reactor::post(Callback fn) {
  check_thread();
  if (dropped_in_teardown(fn)) return;
  enqueue(std::move(fn), current_, next_id_++);
}

void Reactor::spawn(std::string_view label, Callback fn) {
  check_thread();
  if (dropped_in_teardown(fn)) return;
  LabelId id = intern(label);
  emit(EventKind::spawn, current_, 0, {}, label);
  enqueue(std::move(fn), id, next_id_++);
}

void Reactor::enqueue(Callback fn, LabelId label, std::uint64_t id) {
  acquire(label);
  emit(EventKind::ready, label, id);
  ready_.push_back({std::move(fn), label, id});
  stats_.peak_ready = std::max(stats_.peak_ready, ready_.size());
}

void Reactor::run_one(Ready& item) {
  // Even if fn throws: restores the label, then destroys fn under its own
  // label (its destructor may still do work for its task) and releases it.
  struct Scope {
    Reactor& self;
    Ready& item;
    LabelId saved;
    ~Scope() {
      self.current_ = saved;
      self.drop(std::move(item.fn), item.label);
    }
  } scope{*this, item, current_};
  current_ = item.label;
  ++stats_.callbacks_run;
  emit(EventKind::run, item.label, item.id);
  item.fn();
}

// Destroys a callback that will not run, under its own label, and only then
// releases the label: what the destructor does is traced as its task's, and
// the task's "done" comes after it.
void Reactor::drop(Callback fn, LabelId label) {
  LabelId saved = std::exchange(current_, label);
  fn = nullptr;
  current_ = saved;
  release(label);
}

TimerId Reactor::call_after(Duration delay, Callback fn, std::string_view what) {
  check_thread();
  if (dropped_in_teardown(fn)) return {};
  if (free_slots_.empty()) {  // no slot to reuse: make one
    free_slots_.push_back(static_cast<std::uint32_t>(timers_.size()));
    timers_.emplace_back();
  }
  std::uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  std::uint64_t seq = next_id_++;
  timers_[slot] = {std::move(fn), current_, seq, what};
  // A deadline in the past means "now"; Duration::max() means "never" (saturate, don't overflow).
  delay = std::clamp(delay, Duration::zero(), Duration::max() - now_);
  heap_.push_back({now_ + delay, seq, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  ++live_timers_;
  ++stats_.timers_armed;
  acquire(current_);
  emit(EventKind::timer_armed, current_, seq, delay, what);
  return {slot, seq};
}

bool Reactor::cancel(TimerId id) {
  check_thread();
  if (id.seq == 0 || id.slot >= timers_.size() || timers_[id.slot].seq != id.seq) return false;
  // The heap entry stays behind, stale, for next_deadline() to discard: O(1).
  LabelId label = timers_[id.slot].label;
  ++stats_.timers_cancelled;
  emit(EventKind::timer_cancelled, label, id.seq, {}, timers_[id.slot].what);
  drop(take_timer(id.slot), label);
  return true;
}

Callback Reactor::take_timer(std::uint32_t slot) {
  Callback fn = std::move(timers_[slot].fn);
  timers_[slot].seq = 0;
  free_slots_.push_back(slot);
  --live_timers_;
  return fn;
}

std::optional<Duration> Reactor::next_deadline() {
  while (!heap_.empty() && timers_[heap_.front().slot].seq != heap_.front().seq) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();  // a cancelled timer's leftover entry
  }
  if (heap_.empty()) return std::nullopt;
  return heap_.front().deadline;
}

void Reactor::sleep_until(Duration deadline) {
  if (clock_ == ClockMode::virtual_time) {
    now_ = std::max(now_, deadline);  // the jump that makes a 2 s scenario take microseconds
    phases_paid_ = {};
  } else {
    std::this_thread::sleep_until(start_ + deadline);
  }
}

void Reactor::block_for(Duration d) {
  check_thread();
  emit(EventKind::blocked, current_, 0, d);
  if (clock_ == ClockMode::virtual_time) return sleep_until(now_ + d);
  std::this_thread::sleep_for(d);
  update_clock();
}

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
