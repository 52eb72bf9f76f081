#include "trace_json.hpp"

#include <boost/json.hpp>
#include <map>

namespace evo {
namespace {

namespace json = boost::json;

double microseconds(Duration d) {
  return static_cast<double>(d.count()) / 1000.0;
}

}  // namespace

std::string render_trace_json(const Recorder& recorder) {
  json::array events;
  std::map<std::string, int> pids;  // label -> its process id in the viewer
  auto pid_of = [&](const std::string& label) {
    auto [it, inserted] = pids.try_emplace(label, static_cast<int>(pids.size()) + 1);
    if (inserted) {
      events.push_back({{"ph", "M"},
                        {"name", "process_name"},
                        {"pid", it->second},
                        {"tid", 1},
                        {"args", {{"name", label}}}});
      events.push_back({{"ph", "M"},
                        {"name", "thread_name"},
                        {"pid", it->second},
                        {"tid", 1},
                        {"args", {{"name", "callbacks"}}}});
    }
    return it->second;
  };

  // A run's slice lasts as long as the callback blocked the loop, if it did.
  std::map<std::uint64_t, std::size_t> open_run;  // pid -> index of its last run slice
  std::map<std::uint64_t, std::string> waits;     // timer or watch id -> what it waits for
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::spawn || e.kind == EventKind::ready || e.kind == EventKind::done) {
      continue;  // visible as the slices and spans around them
    }
    int pid = pid_of(e.label);
    double ts = microseconds(e.time);
    switch (e.kind) {
      case EventKind::run:
        open_run[pid] = events.size();
        events.push_back({{"ph", "X"},
                          {"name", "run"},
                          {"cat", "callback"},
                          {"pid", pid},
                          {"tid", 1},
                          {"ts", ts},
                          {"dur", 0.0},
                          {"args", {{"id", e.id}}}});
        break;
      case EventKind::blocked:
        if (auto it = open_run.find(pid); it != open_run.end()) {
          json::object& slice = events[it->second].as_object();
          slice["dur"] = slice["dur"].as_double() + microseconds(e.duration);
          slice["name"] = "run (blocks the loop)";
        }
        break;
      case EventKind::timer_armed:
      case EventKind::fd_watched:
        waits[e.id] = e.detail;
        events.push_back({{"ph", "b"},
                          {"name", "wait: " + e.detail},
                          {"cat", "wait"},
                          {"pid", pid},
                          {"tid", 1},
                          {"ts", ts},
                          {"id", e.id}});
        break;
      case EventKind::timer_fired:
      case EventKind::timer_cancelled:
      case EventKind::fd_ready:
      case EventKind::fd_unwatched:
        events.push_back({{"ph", "e"},
                          {"name", "wait: " + waits[e.id]},
                          {"cat", "wait"},
                          {"pid", pid},
                          {"tid", 1},
                          {"ts", ts},
                          {"id", e.id},
                          {"args", {{"outcome", std::string(to_string(e.kind))}}}});
        waits.erase(e.id);
        break;
      case EventKind::log:
        events.push_back({{"ph", "i"},
                          {"name", e.detail},
                          {"cat", "log"},
                          {"s", "t"},
                          {"pid", pid},
                          {"tid", 1},
                          {"ts", ts}});
        break;
      default:
        break;
    }
  }
  json::object root;
  root["traceEvents"] = std::move(events);
  root["displayTimeUnit"] = "ms";
  return json::serialize(root);
}

}  // namespace evo
