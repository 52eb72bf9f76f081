#include "reactor.hpp"

#include <time.h>

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
    : clock_(clock), start_(std::chrono::steady_clock::now()), owner_(std::this_thread::get_id()) {}

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
  while (has_work() && !stop_requested()) {
    ++stats_.iterations;
    update_clock();
    move_due_timers_to_ready();
    run_ready_callbacks();
    if (stop_requested()) break;  // not even the wait: a stop asked for now is for now
    wait_for_work();
  }
  if (clock_ == ClockMode::real) read_clock();
}

// Phase 0: read the clock once, if a timer or an fd may need it: a loop that
// only posts reads no clock. The virtual clock only moves when
// wait_for_work() jumps it (or a callback blocks), so there is nothing to read.
void Reactor::update_clock() {
  if (clock_ == ClockMode::real && (live_timers_ > 0 || watching_ > 0)) read_clock();
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
    emit(EventKind::timer_fired, label, entry.seq, now_ - entry.deadline,
         whats_[timers_[entry.slot].what]);
    enqueue(std::move(timers_[entry.slot].fn), label, next_id_++);
    free_timer(entry.slot);
    release(label);  // the timer's hold on the label passes to the ready entry
  }
}

// Phase 2: run what was ready when the phase began, oldest first. The batch
// is swapped out whole: callbacks posted now land in ready_ and run next
// iteration, so a callback that keeps re-posting itself cannot starve timers
// and I/O. Each runs in its slot, never moved again.
void Reactor::run_ready_callbacks() {
  std::swap(ready_, phase_);
  // --shuffle: Fisher-Yates over this phase's entries, with a seeded generator
  // of our own, since std::shuffle's order differs between standard libraries.
  for (std::size_t i = phase_.size(); shuffle_state_ && i > 1; --i) {
    std::swap(phase_[i - 1], phase_[splitmix64(*shuffle_state_) % i]);
  }
  if (!phase_.empty()) phases_paid_ += virtual_phase_cost;
  struct Requeue {  // also when a callback throws: the rest stay queued
    Reactor& self;
    ~Requeue() { self.requeue_unrun(); }
  } requeue{*this};
  while (next_to_run_ < phase_.size()) run_one(phase_[next_to_run_++]);
}

// Ends a phase: what it did not run (a callback threw) goes back to the front
// of the queue, in order, ahead of what was posted meanwhile.
void Reactor::requeue_unrun() {
  auto unrun = phase_.begin() + static_cast<std::ptrdiff_t>(next_to_run_);
  ready_.insert(ready_.begin(), std::make_move_iterator(unrun),
                std::make_move_iterator(phase_.end()));
  phase_.clear();
  next_to_run_ = 0;
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
    int timeout_ms = ready_now || jump ? 0 : next ? Poller::timeout_until(time_of(*next)) : -1;
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
  LabelId id = labels_.intern(label);
  emit(EventKind::spawn, current_, 0, {}, label);
  enqueue(std::move(fn), id, next_id_++);
}

void Reactor::enqueue(Callback&& fn, LabelId label, std::uint64_t id) {
  acquire(label);
  emit(EventKind::ready, label, id);
  ready_.push_back({std::move(fn), label, id});
  stats_.peak_ready = std::max(stats_.peak_ready, ready_now());
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
void Reactor::drop(Callback&& fn, LabelId label) {
  LabelId saved = std::exchange(current_, label);
  fn = nullptr;
  current_ = saved;
  release(label);
}

TimerId Reactor::call_after(Duration delay, Callback fn, std::string_view what) {
  check_thread();
  if (dropped_in_teardown(fn)) return {};
  // Nothing armed or watched: this iteration did not read the clock.
  if (clock_ == ClockMode::real && live_timers_ == 0 && watching_ == 0) read_clock();
  if (free_slots_.empty()) {  // no slot to reuse: make one
    free_slots_.push_back(static_cast<std::uint32_t>(timers_.size()));
    timers_.emplace_back();
  }
  std::uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  std::uint64_t seq = next_id_++;
  Timer& timer = timers_[slot];
  timer.fn = std::move(fn);
  timer.label = current_;
  timer.what = intern_what(what);
  timer.seq = seq;
  // A deadline in the past means "now"; Duration::max() means "never" (saturate, don't overflow).
  delay = std::clamp(delay, Duration::zero(), Duration::max() - now_);
  heap_.push_back({now_ + delay, seq, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  stats_.peak_timer_entries = std::max(stats_.peak_timer_entries, heap_.size());
  ++live_timers_;
  ++stats_.timers_armed;
  acquire(current_);
  emit(EventKind::timer_armed, current_, seq, delay, what);
  return {slot, seq};
}

bool Reactor::cancel(TimerId id) {
  check_thread();
  if (id.seq == 0 || id.slot >= timers_.size() || timers_[id.slot].seq != id.seq) return false;
  // The heap entry stays behind, stale, for next_deadline() to discard, or
  // for drop_stale_entries() once they are the most of the heap.
  LabelId label = timers_[id.slot].label;
  ++stats_.timers_cancelled;
  emit(EventKind::timer_cancelled, label, id.seq, {}, whats_[timers_[id.slot].what]);
  Callback fn = std::move(timers_[id.slot].fn);  // out first: its destructor may arm timers
  free_timer(id.slot);
  if (++stale_entries_ > heap_.size() / 2) drop_stale_entries();
  drop(std::move(fn), label);
  return true;
}

// Once most of the heap is cancelled leftovers, sweep them all in one pass and
// rebuild the heap, O(n): cancelling stays O(1) on average, and the heap never
// holds more than twice the timers that are armed (a loop that arms timeouts
// and cancels them would otherwise keep every one until its deadline).
void Reactor::drop_stale_entries() {
  std::erase_if(heap_, [this](const HeapEntry& e) { return timers_[e.slot].seq != e.seq; });
  std::make_heap(heap_.begin(), heap_.end(), Later{});
  stale_entries_ = 0;
}

void Reactor::free_timer(std::uint32_t slot) {
  timers_[slot].seq = 0;
  free_slots_.push_back(slot);
  --live_timers_;
}

// Pops cancelled timers' leftovers off the top: an entry whose slot's seq no
// longer matches (freed: 0, or reused by a newer timer) is stale.
void Reactor::drop_stale_top() {
  while (!heap_.empty() && timers_[heap_.front().slot].seq != heap_.front().seq) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
    --stale_entries_;
  }
}

// The clock's time for a deadline. "Never" (Duration::max()) is the farthest
// time the clock can name: start_ + deadline would overflow into the past.
std::chrono::steady_clock::time_point Reactor::time_of(Duration deadline) const noexcept {
  auto max = std::chrono::steady_clock::time_point::max();
  return deadline >= max - start_ ? max : start_ + deadline;
}

void Reactor::sleep_until(Duration deadline) {
  if (clock_ == ClockMode::virtual_time) {
    now_ = std::max(now_, deadline);  // the jump that makes a 2 s scenario take microseconds
    phases_paid_ = {};
  } else {
    // A deadline that has passed (a timer armed for "now" by a callback)
    // needs no system call: a sleep until the past still costs a kernel timer.
    if (now_ < deadline) read_clock();  // now_ may be from before the ready phase
    if (now_ >= deadline) return;
    // One clock_nanosleep, its EINTR ignored on purpose: a signal wakes run()
    // to look at its stop flag. std::this_thread::sleep_until would sleep on.
    auto until =
        std::chrono::duration_cast<std::chrono::nanoseconds>(time_of(deadline).time_since_epoch());
    timespec at{static_cast<time_t>(until.count() / 1'000'000'000),
                static_cast<long>(until.count() % 1'000'000'000)};
    ++stats_.sleeps;
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);  // steady_clock's clock
  }
}

void Reactor::block_for(Duration d) {
  check_thread();
  emit(EventKind::blocked, current_, 0, d);
  if (clock_ == ClockMode::virtual_time) return sleep_until(now_ + d);
  std::this_thread::sleep_for(d);
  read_clock();
}

}  // namespace evo
