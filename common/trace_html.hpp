#pragma once
// The loop you can step through (--trace-html FILE): one self-contained HTML
// page, built from the same events as --trace and --trace-json. It holds the
// recorded events as data and a small script that replays them: at each step
// the clock, the ready queue, the waiting set, the callback running now, and
// the lines printed so far, with step / back / play controls and a timeline
// to scrub. No network, no external script: open the file, or mail it.
//
// The page opens at the step named in its address (page.html#step=5), so a
// step can be linked to, and checked by a headless browser.

#include <string>

#include "trace.hpp"

namespace evo {

/// The whole page; `title` names the run ("stage1_callbacks | scenario
/// two-tasks | virtual clock").
std::string render_trace_html(const Recorder& recorder, const std::string& title);

}  // namespace evo
