#pragma once
// The textbook timeline (--trace): at each step of the loop, the time, what
// ran, and the ready queue and waiting set right after that step.
//
//     time  step                               ready queue              waiting
//   0.000s  run Task B                         -                        Task A (timer @2.000s)
//             | Task B: Starting
//             + Task B waits: timer 1.000s
//
// Steps (spawn, run, timer fired, fd ready) get a line with the state; what a
// callback does while it runs (log lines, timers it arms, ...) is indented
// under its step.

#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "trace.hpp"

namespace evo {

class Timeline : public TraceObserver {
 public:
  explicit Timeline(std::FILE* out) : out_(out) {}
  void on_event(const Event& event) override;

 private:
  void step(const Event& e, const std::string& what);
  void detail(const Event& e, const std::string& text);
  void print_header_once();
  std::string ready_text() const;
  std::string waiting_text() const;

  struct Waiter {
    std::string label;
    std::string what;
    Duration due;
  };
  std::FILE* out_;
  bool header_printed_ = false;
  std::string last_shown_;  // the time column's last text: not repeated below it
  std::string cause_;       // why the next ready event happens (spawn, timer, fd)
  void forget_waiter(std::uint64_t id);

  std::deque<std::pair<std::uint64_t, std::string>> ready_;     // callback id, label
  std::map<std::uint64_t, Waiter> waiting_;                     // timer or watch id -> waiter
  std::set<std::pair<Duration, std::uint64_t>> waiting_order_;  // soonest first
};

}  // namespace evo
