#pragma once
// Exercise (the reactor): the due-timer phase, phase 1 of Reactor::run().
//
// A TimerQueue keeps timers: a deadline and the callback to run then.
//
// Contract of take_due(now):
//   - returns the callbacks of every timer whose deadline is <= now, and
//     removes those timers from the queue;
//   - in the order the loop must run them: earliest deadline first, and
//     timers with the same deadline in the order they were added;
//   - runs NOTHING itself: running is the ready phase's job (the caller's);
//   - leaves timers that are not due yet for a later call.
// next_deadline() is the earliest deadline left (nullopt when empty): what
// the loop sleeps (or jumps) until.

#include <cstdint>
#include <optional>
#include <vector>

#include "common/reactor.hpp"

namespace evo::exercises {

class TimerQueue {
 public:
  void add(Duration deadline, Callback fn);
  std::vector<Callback> take_due(Duration now);
  std::optional<Duration> next_deadline() const;
  std::size_t size() const { return timers_.size(); }

 private:
  struct Timer {
    Duration deadline;
    std::uint64_t seq;  // the order timers were added in
    Callback fn;
  };
  std::vector<Timer> timers_;  // keep them in any order you like
  std::uint64_t next_seq_ = 0;
};

}  // namespace evo::exercises
