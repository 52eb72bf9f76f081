// A learner's mistake, kept to check the checker: the reference solution of
// due_timers, sorting on the deadline alone. Ties then come out in whatever
// order std::sort leaves them, which is the added order only for small inputs.
#include <algorithm>

#include "common/exercises/due_timers.hpp"

namespace evo::exercises {

void TimerQueue::add(Duration deadline, Callback fn) {
  timers_.push_back({deadline, next_seq_++, std::move(fn)});
}

std::vector<Callback> TimerQueue::take_due(Duration now) {
  auto not_due = std::stable_partition(timers_.begin(), timers_.end(),
                                       [now](const Timer& t) { return t.deadline <= now; });
  std::sort(timers_.begin(), not_due,
            [](const Timer& a, const Timer& b) { return a.deadline < b.deadline; });
  std::vector<Callback> due;
  for (auto it = timers_.begin(); it != not_due; ++it) due.push_back(std::move(it->fn));
  timers_.erase(timers_.begin(), not_due);
  return due;
}

std::optional<Duration> TimerQueue::next_deadline() const {
  if (timers_.empty()) return std::nullopt;
  return std::min_element(timers_.begin(), timers_.end(),
                          [](const Timer& a, const Timer& b) { return a.deadline < b.deadline; })
      ->deadline;
}

}  // namespace evo::exercises
