#include "trace.hpp"

#include <cstdio>

namespace evo {

std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::spawn:
      return "spawn";
    case EventKind::ready:
      return "ready";
    case EventKind::run:
      return "run";
    case EventKind::timer_armed:
      return "timer_armed";
    case EventKind::timer_cancelled:
      return "timer_cancelled";
    case EventKind::timer_fired:
      return "timer_fired";
    case EventKind::fd_watched:
      return "fd_watched";
    case EventKind::fd_ready:
      return "fd_ready";
    case EventKind::fd_unwatched:
      return "fd_unwatched";
    case EventKind::blocked:
      return "blocked";
    case EventKind::log:
      return "log";
    case EventKind::done:
      return "done";
  }
  return "?";
}

std::string format_seconds(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  const char* sign = ms < 0 ? "-" : "";
  if (ms < 0) ms = -ms;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%lld.%03llds", sign, static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

void Recorder::on_event(const Event& e) {
  entries_.push_back(
      {e.kind, e.time, std::string(e.label), e.id, e.duration, std::string(e.detail)});
}

std::vector<std::string> Recorder::lines() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) {
    std::string line =
        format_seconds(e.time) + " " + e.label + " " + std::string(to_string(e.kind));
    if (e.id != 0) line += " #" + std::to_string(e.id);
    if (e.duration != Duration::zero()) line += " +" + format_seconds(e.duration);
    if (!e.detail.empty()) line += " " + e.detail;
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<std::string> Recorder::log_lines() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) {
    if (e.kind == EventKind::log) out.push_back(e.detail);
  }
  return out;
}

void LogPrinter::on_event(const Event& e) {
  if (e.kind == EventKind::log) {
    std::fprintf(out_, "%.*s\n", static_cast<int>(e.detail.size()), e.detail.data());
  }
}

}  // namespace evo
