#include "gantt.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace evo {
namespace {

constexpr int name_width = 12;
constexpr int time_width = 9;  // " 12.345s"
constexpr std::size_t max_rows = 16;

struct Row {
  std::string label;
  std::vector<char> cells;
  Duration start = Duration::max();
  Duration end{};
};

const char* color_of(char c) {
  switch (c) {
    case '#':
      return "\033[32m";  // running: green
    case '!':
      return "\033[31m";  // due, but the loop was busy: red
    case '-':
      return "\033[2m";  // waiting: dim
    case '=':
      return "\033[33m";  // sequential: yellow
    default:
      return nullptr;
  }
}

std::string paint(const std::vector<char>& cells, bool color) {
  std::string out;
  char current = 0;
  for (char c : cells) {
    if (color && c != current) {
      if (current && color_of(current)) out += "\033[0m";
      if (color_of(c)) out += color_of(c);
      current = c;
    }
    out += c;
  }
  if (color && current && color_of(current)) out += "\033[0m";
  return out;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() > width) text = text.substr(0, width - 1) + "~";
  text.resize(width, ' ');
  return text;
}

}  // namespace

std::string render_gantt(const Recorder& recorder, const GanttOptions& options) {
  const int bar_width = std::max(10, options.width - name_width - time_width);
  Duration end{};
  for (const auto& e : recorder.entries())
    end = std::max(end, e.time + (e.kind == EventKind::blocked ? e.duration : Duration{}));
  // Stretch the scale to show the sequential time too, unless that would
  // squash the real bars into a few columns.
  Duration scale = end;
  if (options.sequential > end && options.sequential <= 4 * end) scale = options.sequential;
  if (scale <= Duration::zero()) scale = Duration(1);
  auto column = [&](Duration t) {
    auto c = static_cast<int>((t.count() * static_cast<double>(bar_width)) /
                              static_cast<double>(scale.count()));
    return std::clamp(c, 0, bar_width - 1);
  };

  // Each label's active span is drawn as waiting ('-'); runs ('#') and late
  // timers ('!') are drawn on top.
  std::map<std::string, std::size_t> index;
  std::vector<Row> rows;
  auto row_of = [&](const std::string& label) -> Row& {
    auto [it, inserted] = index.try_emplace(label, rows.size());
    if (inserted) rows.push_back({label, std::vector<char>(bar_width, ' ')});
    return rows[it->second];
  };
  std::set<std::string> ran;
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::run) ran.insert(e.label);
  }
  std::vector<std::pair<std::size_t, std::pair<Duration, Duration>>> marks;  // '#' spans
  std::vector<std::pair<std::size_t, std::pair<Duration, Duration>>> late;   // '!' spans
  for (const auto& e : recorder.entries()) {
    if (e.kind != EventKind::run && e.kind != EventKind::ready && e.kind != EventKind::done &&
        e.kind != EventKind::blocked && e.kind != EventKind::timer_fired) {
      continue;
    }
    if (!ran.contains(e.label)) continue;  // a label that never ran a callback gets no row
    Row& row = row_of(e.label);
    std::size_t i = index[e.label];
    row.start = std::min(row.start, e.time);
    row.end = std::max(row.end, e.time);
    if (e.kind == EventKind::run) marks.push_back({i, {e.time, e.time}});
    if (e.kind == EventKind::blocked) {
      marks.push_back({i, {e.time, e.time + e.duration}});
      row.end = std::max(row.end, e.time + e.duration);
    }
    if (e.kind == EventKind::timer_fired && e.duration > Duration::zero()) {
      late.push_back({i, {e.time - e.duration, e.time}});
    }
  }
  for (Row& row : rows) {
    for (int c = column(row.start); c <= column(row.end); ++c) row.cells[c] = '-';
  }
  for (const auto& [i, span] : late) {
    for (int c = column(span.first); c <= column(span.second); ++c) rows[i].cells[c] = '!';
  }
  for (const auto& [i, span] : marks) {
    for (int c = column(span.first); c <= column(span.second); ++c) rows[i].cells[c] = '#';
  }

  std::string out;
  // The time axis: up to five ticks across the bar. Long labels (100 s and
  // more) do not all fit, and the last one is pushed left to stay on the bar;
  // a label that would touch its neighbour is dropped rather than overwrite
  // it (the end of the scale wins over the tick before it).
  std::vector<std::pair<int, std::string>> labels;  // column, text
  for (int tick = 0; tick <= 4; ++tick) {
    Duration t = scale / 4 * tick;  // divide first: scale * 4 could overflow
    std::string text = format_seconds(t);
    int at = std::max(0, std::min(column(t), bar_width - static_cast<int>(text.size())));
    bool last = tick == 4;
    auto touches = [&] {
      return !labels.empty() &&
             at <= labels.back().first + static_cast<int>(labels.back().second.size());
    };
    while (last && touches() && labels.size() > 1) labels.pop_back();
    if (!touches()) labels.emplace_back(at, std::move(text));
  }
  std::string axis(bar_width, ' ');
  for (const auto& [at, text] : labels) axis.replace(at, text.size(), text);
  out += pad("", name_width) + axis + "\n";
  std::size_t shown = std::min(rows.size(), max_rows);
  for (std::size_t r = 0; r < shown; ++r) {
    out += pad(rows[r].label, name_width) + paint(rows[r].cells, options.color) + " " +
           format_seconds(rows[r].end) + "\n";
  }
  if (rows.size() > shown) out += "(+" + std::to_string(rows.size() - shown) + " more tasks)\n";
  if (options.sequential > Duration::zero()) {
    std::string label = "sequential";
    if (options.sequential <= scale) {
      std::vector<char> cells(bar_width, ' ');
      for (int c = 0; c <= column(options.sequential); ++c) cells[c] = '=';
      out += pad(label, name_width) + paint(cells, options.color) + " " +
             format_seconds(options.sequential) + "\n";
    } else {
      out +=
          pad(label, name_width) + "(off the chart: " + format_seconds(options.sequential) + ")\n";
    }
  }
  out += "# running  - waiting  ! due, but the loop was busy  = one after the other\n";
  return out;
}

}  // namespace evo
