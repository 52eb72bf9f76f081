// --trace-html: the page is self-contained, the binaries write it, and a real
// browser (headless Chromium) shows at each step what the trace says.
#include "common/trace_html.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/reactor.hpp"
#include "common/scenario.hpp"
#include "common/services.hpp"
#include "stage1_callbacks/adapter.hpp"

namespace evo {
namespace {

using namespace std::chrono_literals;

struct Ran {
  int code;
  std::string out;
};

Ran shell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, out};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/" + std::to_string(::getpid()) + "-" + name;
}

// The page a stage binary writes for the two-tasks walk-through.
std::string page_of(const std::string& binary, const std::string& extra = "") {
  std::string path = temp_path(binary + ".html");
  Ran ran = shell(std::string(EVO_BIN_DIR) + "/" + binary + " --clock virtual --trace-html " +
                  path + " " + extra + " 2>&1");
  EXPECT_EQ(ran.code, 0) << ran.out;
  return read_file(path);
}

// The events, as the page carries them (the <script id="events"> element).
std::string events_of(const std::string& page) {
  auto from = page.find("<script id=\"events\"");
  auto to = page.find("</script>", from);
  return from == std::string::npos ? "" : page.substr(from, to - from);
}

TEST(TraceHtml, PageIsSelfContained) {
  Recorder recorder;
  recorder.on_event({EventKind::log, 0ms, "Task A", 0, {}, "</script><script>alert(1)"});
  std::string page = render_trace_html(recorder, "a <title> & more");
  EXPECT_EQ(page.find("http://"), std::string::npos) << "no network";
  EXPECT_EQ(page.find("https://"), std::string::npos) << "no network";
  EXPECT_EQ(page.find("<script src"), std::string::npos) << "no external script";
  EXPECT_EQ(page.find("<link"), std::string::npos) << "no external style sheet";
  EXPECT_EQ(page.find("</script><script>alert"), std::string::npos)
      << "a log line must not be able to end the data's <script> element";
  EXPECT_NE(page.find("a &lt;title&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(page.find("@EVENTS@"), std::string::npos);
}

TEST(TraceHtml, EveryStageWritesTheSamePageButTheTitle) {
  std::string one = page_of("stage1_callbacks");
  ASSERT_FALSE(events_of(one).empty()) << one.substr(0, 400);
  EXPECT_EQ(events_of(one), events_of(page_of("stage2_futures")));
  EXPECT_EQ(events_of(one), events_of(page_of("stage3_coroutines")));
  EXPECT_NE(one.find("<title>stage1_callbacks | scenario two-tasks | virtual clock</title>"),
            std::string::npos);
}

TEST(TraceHtml, TheAsioEngineWritesItsOwnPage) {
  std::string page = page_of("stage3_coroutines", "--engine asio");
  EXPECT_NE(events_of(page).find("Task B: Got result after 1.000s"), std::string::npos);
}

TEST(TraceHtml, AnUnwritableFileIsOneLineAndExit74) {
  Ran ran = shell(std::string(EVO_BIN_DIR) +
                  "/stage1_callbacks --clock virtual --trace-html /no/such/dir/page.html 2>&1");
  EXPECT_EQ(ran.code, 74);
  EXPECT_EQ(ran.out,
            "stage1_callbacks: error: --trace-html: cannot write '/no/such/dir/page.html': No "
            "such file or directory\n");
}

// What the page must show after the first `step` events, worked out here from
// the recorded trace, independently of the page's own script.
struct Shown {
  std::string clock = "0.000s";
  std::string running = "-";
  std::vector<std::string> ready, waiting, printed;
};

Shown expected_at(const std::vector<Recorder::Entry>& events, std::size_t step) {
  Shown s;
  std::vector<std::pair<std::uint64_t, std::string>> ready;
  std::vector<std::tuple<Duration, std::uint64_t, std::string>> waiting;
  auto forget = [&](std::uint64_t id) {
    std::erase_if(waiting, [&](const auto& w) { return std::get<1>(w) == id; });
  };
  for (std::size_t i = 0; i < step; ++i) {
    const Recorder::Entry& e = events[i];
    s.clock = format_seconds(e.time);
    switch (e.kind) {
      case EventKind::ready:
        ready.emplace_back(e.id, e.label);
        break;
      case EventKind::run:
        std::erase_if(ready, [&](const auto& r) { return r.first == e.id; });
        s.running = e.label;
        break;
      case EventKind::timer_armed:
        waiting.emplace_back(
            e.time + e.duration, e.id,
            e.label + " (" + e.detail + " @" + format_seconds(e.time + e.duration) + ")");
        break;
      case EventKind::timer_fired:
        s.running = "-";
        forget(e.id);
        break;
      case EventKind::timer_cancelled:
        forget(e.id);
        break;
      case EventKind::log:
        s.printed.push_back(e.detail);
        break;
      case EventKind::done:
        if (s.running == e.label) s.running = "-";
        break;
      default:
        break;
    }
  }
  for (const auto& r : ready) s.ready.push_back(r.second);
  std::stable_sort(waiting.begin(), waiting.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  for (const auto& w : waiting) s.waiting.push_back(std::get<2>(w));
  return s;
}

std::string unescape(std::string text) {
  for (auto [entity, c] :
       {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
    for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, std::string(entity).size(), c);
    }
  }
  return text;
}

// The text of the element with this id (no nested elements).
std::string text_of(const std::string& dom, const std::string& id) {
  auto at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "<no #" + id + ">";
  auto from = dom.find('>', at) + 1;
  return unescape(dom.substr(from, dom.find('<', from) - from));
}

// The items of the list with this id; "(empty)" is no item.
std::vector<std::string> items_of(const std::string& dom, const std::string& id) {
  std::vector<std::string> items;
  auto at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {"<no #" + id + ">"};
  // The list ends at its own closing tag, </ol> or </ul>.
  auto end = std::min(dom.find("</ol>", at), dom.find("</ul>", at));
  for (auto li = dom.find("<li", at); li < end; li = dom.find("<li", li + 1)) {
    if (dom.compare(li, 17, "<li class=\"empty\"") == 0) continue;
    auto from = dom.find('>', li) + 1;
    items.push_back(unescape(dom.substr(from, dom.find('<', from) - from)));
  }
  return items;
}

// The real browser, headless: it loads the page at a step and prints the DOM
// its script built. Each run gets its own profile, as ctest may run several.
constexpr const char* chromium = "/usr/bin/chromium";

std::string dom_at(const std::string& page, std::size_t step) {
  std::string profile = temp_path("chromium-profile");
  Ran ran =
      shell(std::string("timeout 120 ") + chromium +
            " --headless --disable-gpu --no-sandbox --user-data-dir=" + profile +
            " --dump-dom 'file://" + page + "#step=" + std::to_string(step) + "' 2>/dev/null");
  shell("rm -rf " + profile);
  EXPECT_EQ(ran.code, 0) << "chromium failed at step " << step;
  return ran.out;
}

TEST(TraceHtmlInBrowser, ShowsTheTwoTasksWalkThroughStepByStep) {
  if (::access(chromium, X_OK) != 0) {
    GTEST_SKIP() << "no Chromium at " << chromium
                 << ": the page is not checked in a browser here "
                    "(apt-get install chromium; scripts/test installs it)";
  }
  // The trace, recorded in this process, as the binary records it.
  Scenario scenario;
  Reactor reactor(ClockMode::virtual_time);
  Recorder recorder;
  reactor.set_observer(&recorder);
  Services services(reactor, scenario.services);
  Outcome outcome;
  start_scenario(stage1::stage_api(), services, scenario, outcome);
  reactor.run();
  const auto& events = recorder.entries();
  ASSERT_GT(events.size(), 15u);

  std::string page = temp_path("two-tasks.html");
  std::ofstream(page) << render_trace_html(recorder, "two-tasks");
  // Before anything; both tasks queued; each task's first run; B's timer
  // fired; and the end.
  for (std::size_t step : {std::size_t{0}, std::size_t{4}, std::size_t{6}, std::size_t{9},
                           std::size_t{12}, events.size()}) {
    SCOPED_TRACE("step " + std::to_string(step));
    std::string dom = dom_at(page, step);
    Shown want = expected_at(events, step);
    EXPECT_EQ(text_of(dom, "stepno"),
              "step " + std::to_string(step) + " of " + std::to_string(events.size()));
    EXPECT_EQ(text_of(dom, "clock"), want.clock);
    EXPECT_EQ(text_of(dom, "running"), want.running);
    EXPECT_EQ(items_of(dom, "ready"), want.ready);
    EXPECT_EQ(items_of(dom, "waiting"), want.waiting);
    EXPECT_EQ(items_of(dom, "printed"), want.printed);
  }
  // The walk-through's known moments, so that a wrong trace cannot hide behind
  // a matching wrong expectation.
  Shown at_six = expected_at(events, 6);
  EXPECT_EQ(at_six.running, "Task A");
  EXPECT_EQ(at_six.printed, std::vector<std::string>{"Task A: Starting"});
  EXPECT_EQ(at_six.ready, std::vector<std::string>{"Task B"});
  Shown at_end = expected_at(events, events.size());
  EXPECT_EQ(at_end.clock, "2.000s");
  EXPECT_TRUE(at_end.waiting.empty());
}

}  // namespace
}  // namespace evo
