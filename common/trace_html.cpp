#include "trace_html.hpp"

#include <boost/json.hpp>

#include "trace_html_page.hpp"

namespace evo {
namespace {

namespace json = boost::json;

// The events as the page's script reads them. Times are formatted here, by
// the same format_seconds as --trace, so that the page and the terminal agree
// to the character; the nanoseconds are kept for ordering the waiting set.
json::array events_as_json(const Recorder& recorder) {
  json::array events;
  for (const auto& e : recorder.entries()) {
    json::object o{{"kind", to_string(e.kind)},
                   {"time", format_seconds(e.time)},
                   {"label", e.label},
                   {"id", e.id},
                   {"detail", e.detail}};
    if (e.duration != Duration::zero()) o["duration"] = format_seconds(e.duration);
    if (e.kind == EventKind::timer_armed) {
      o["due"] = format_seconds(e.time + e.duration);
      o["due_ns"] = (e.time + e.duration).count();
    }
    events.push_back(std::move(o));
  }
  return events;
}

// The data sits inside a <script> element, where "</script>" (in a log line,
// say) would end the element early: writing every '<' as \u003c keeps the
// JSON the same value and the HTML parser blind to it.
std::string script_safe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string html_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void replace_once(std::string& text, std::string_view marker, const std::string& with) {
  text.replace(text.find(marker), marker.size(), with);
}

}  // namespace

std::string render_trace_html(const Recorder& recorder, const std::string& title) {
  std::string page(trace_html_page);
  replace_once(page, "@TITLE@", html_escaped(title));
  replace_once(page, "@EVENTS@", script_safe(json::serialize(events_as_json(recorder))));
  return page;
}

}  // namespace evo
