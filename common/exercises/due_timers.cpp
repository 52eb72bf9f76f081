// Your file: make tests/exercises/due_timers_test.cpp pass.
// Check with `tutor check due_timers`; stuck? `tutor hint due_timers`.
#include "common/exercises/due_timers.hpp"

#include <algorithm>

#include "common/exercise.hpp"

namespace evo::exercises {

void TimerQueue::add(Duration deadline, Callback fn) {
  timers_.push_back({deadline, next_seq_++, std::move(fn)});
}

std::vector<Callback> TimerQueue::take_due(Duration now) {
  // TODO: collect the callbacks of the due timers (deadline <= now), earliest
  // first, ties in the order they were added; remove those timers.
  (void)now;
  todo("TimerQueue::take_due");
}

std::optional<Duration> TimerQueue::next_deadline() const {
  // TODO: the earliest deadline among the timers left, or std::nullopt.
  todo("TimerQueue::next_deadline");
}

}  // namespace evo::exercises
