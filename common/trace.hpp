#pragma once
// What the reactor reports while it runs, and the observers that listen.
//
// The reactor calls TraceObserver::on_event for every step of its life: a
// task spawned, a callback made ready, a callback run, a timer armed, fired
// or cancelled, an fd watched or ready, a log line, a label with no work
// left. Everything the learner sees (--trace, the log lines themselves) and
// everything the tests compare across stages is built from these events.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace evo {

using Duration = std::chrono::nanoseconds;

enum class EventKind : std::uint8_t {
  spawn,            ///< detail: the new task's label; label: who spawned it
  ready,            ///< a callback joined the ready queue (id: the callback)
  run,              ///< the loop took a callback off the ready queue (id) and runs it
  timer_armed,      ///< id: the timer; duration: the delay; detail: what for
  timer_cancelled,  ///< id: the timer
  timer_fired,      ///< id: the timer; duration: how late it fired; its callback is now ready
  fd_watched,       ///< id: the watch; detail: "fd N readable|writable"
  fd_ready,         ///< id: the watch; its callback is now ready
  fd_unwatched,     ///< id: the watch; dropped without running
  blocked,          ///< a callback blocked the whole loop for `duration`
  log,              ///< detail: the text a task printed
  done,             ///< the label has nothing ready, armed or watched, and is not running
};

std::string_view to_string(EventKind kind) noexcept;

/// One step of the loop. The string_views point into the reactor and are only
/// valid during on_event: an observer that keeps events copies them (Recorder).
struct Event {
  EventKind kind;
  Duration time;
  std::string_view label;
  std::uint64_t id = 0;
  Duration duration{};
  std::string_view detail;
};

class TraceObserver {
 public:
  virtual ~TraceObserver() = default;
  /// Called on the reactor's thread, synchronously, as the event happens.
  virtual void on_event(const Event& event) = 0;
};

/// Keeps an owned copy of every event: the stage equivalence tests compare
/// recordings, and the --gantt / --trace-json renderers read them.
class Recorder : public TraceObserver {
 public:
  struct Entry {
    EventKind kind;
    Duration time;
    std::string label;
    std::uint64_t id;
    Duration duration;
    std::string detail;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  void on_event(const Event& event) override;
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  /// One line per event, e.g. "0.000s Task B timer_armed #4 +1.000s timer".
  std::vector<std::string> lines() const;
  /// Only the log lines' text, in order.
  std::vector<std::string> log_lines() const;

 private:
  std::vector<Entry> entries_;
};

/// Prints only the log lines, one per line: the binaries' normal output.
class LogPrinter : public TraceObserver {
 public:
  explicit LogPrinter(std::FILE* out) : out_(out) {}
  void on_event(const Event& event) override;

 private:
  std::FILE* out_;
};

/// Passes each event on to several observers, in order.
class Fanout : public TraceObserver {
 public:
  void add(TraceObserver* observer) { observers_.push_back(observer); }
  void on_event(const Event& event) override {
    for (TraceObserver* o : observers_) o->on_event(event);
  }

 private:
  std::vector<TraceObserver*> observers_;
};

/// Formats a duration as seconds with three decimals: "2.000s".
std::string format_seconds(Duration d);

}  // namespace evo
