#include "timeline.hpp"

#include <algorithm>

namespace evo {
namespace {

// Long queues (a fan-out over thousands of users) would drown the picture:
// show the first few entries and count the rest.
constexpr std::size_t shown_entries = 4;

std::string join_shown(const std::vector<std::string>& shown, std::size_t total) {
  if (shown.empty()) return "-";
  std::string text;
  for (const std::string& item : shown) {
    if (!text.empty()) text += ", ";
    text += item;
  }
  if (total > shown.size()) text += " (+" + std::to_string(total - shown.size()) + " more)";
  return text;
}

}  // namespace

void Timeline::on_event(const Event& e) {
  std::string label(e.label);
  std::string detail_text(e.detail);
  switch (e.kind) {
    // These three make a callback ready; the ready event that follows prints
    // the step, so that its line shows the queue with the newcomer in it.
    case EventKind::spawn:
      cause_ = label + " spawns " + detail_text;
      break;
    case EventKind::timer_fired:
      forget_waiter(e.id);
      cause_ = label + ": " + detail_text + " fired";
      // The real clock always fires a little late; say so only when it shows.
      if (e.duration >= std::chrono::milliseconds(1)) {
        cause_ += " (" + format_seconds(e.duration) + " late)";
      }
      break;
    case EventKind::fd_ready:
      cause_ = label + ": " + waiting_[e.id].what;
      forget_waiter(e.id);
      break;
    case EventKind::fd_unwatched:
      forget_waiter(e.id);
      detail(e, "x " + label + " stops watching " + detail_text);
      break;
    case EventKind::ready:
      ready_.emplace_back(e.id, label);
      step(e, cause_.empty() ? label + " posts" : cause_);
      cause_.clear();
      break;
    case EventKind::run: {
      // FIFO order makes this the front entry, unless --shuffle reordered the
      // phase; it is missing if it was queued before this observer was attached.
      auto it = std::find_if(ready_.begin(), ready_.end(),
                             [&](const auto& entry) { return entry.first == e.id; });
      if (it != ready_.end()) ready_.erase(it);
      step(e, "run " + label);
      break;
    }
    case EventKind::timer_armed:
      waiting_[e.id] = {label, detail_text, e.time + e.duration};
      waiting_order_.emplace(e.time + e.duration, e.id);
      detail(e, "+ " + label + " waits: " + detail_text + " " + format_seconds(e.duration));
      break;
    case EventKind::timer_cancelled:
      forget_waiter(e.id);
      detail(e, "x " + label + " cancels its " + detail_text);
      break;
    case EventKind::fd_watched:
      waiting_[e.id] = {label, detail_text, Duration::max()};
      waiting_order_.emplace(Duration::max(), e.id);
      detail(e, "+ " + label + " waits: " + detail_text);
      break;
    case EventKind::blocked:
      detail(e, "! " + label + " blocks the whole loop for " + format_seconds(e.duration));
      break;
    case EventKind::log:
      detail(e, "| " + detail_text);
      break;
    case EventKind::done:
      detail(e, "= " + label + " done");
      break;
  }
}

void Timeline::step(const Event& e, const std::string& what) {
  print_header_once();
  last_shown_ = format_seconds(e.time);
  std::fprintf(out_, "%8s  %-34s %-24s %s\n", last_shown_.c_str(), what.c_str(),
               ready_text().c_str(), waiting_text().c_str());
}

void Timeline::print_header_once() {
  if (header_printed_) return;
  std::fprintf(out_, "%8s  %-34s %-24s %s\n", "time", "step", "ready queue", "waiting");
  header_printed_ = true;
}

void Timeline::detail(const Event& e, const std::string& text) {
  print_header_once();
  // The time column is left blank while it would repeat what it last showed:
  // on the real clock a few microseconds pass, but the column reads the same.
  std::string time = format_seconds(e.time);
  bool repeat = time == last_shown_;
  last_shown_ = time;
  std::fprintf(out_, "%8s    %s\n", repeat ? "" : time.c_str(), text.c_str());
}

void Timeline::forget_waiter(std::uint64_t id) {
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return;
  waiting_order_.erase({it->second.due, id});
  waiting_.erase(it);
}

std::string Timeline::ready_text() const {
  std::vector<std::string> labels;
  for (const auto& entry : ready_) {
    if (labels.size() == shown_entries) break;
    labels.push_back(entry.second);
  }
  return join_shown(labels, ready_.size());
}

std::string Timeline::waiting_text() const {
  // Soonest first, as the loop will meet them; fd watches (no deadline) last.
  std::vector<std::string> items;
  for (const auto& [due, id] : waiting_order_) {
    if (items.size() == shown_entries) break;
    const Waiter& w = waiting_.at(id);
    std::string item = w.label + " (" + w.what;
    if (due != Duration::max()) item += " @" + format_seconds(due);
    items.push_back(item + ")");
  }
  return join_shown(items, waiting_.size());
}

}  // namespace evo
