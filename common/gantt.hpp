#pragma once
// The Gantt chart (--gantt): one row per task label, time across, so that
// "2 s, not 3 s" is visible at a glance:
//
//   Task A      #----------------------------------------#           2.000s
//   Task B      #-------------------#                                1.000s
//   sequential  ======================================================== 3.000s
//
// Built from a Recorder's events after the run; fits in 80 columns.

#include <string>

#include "trace.hpp"

namespace evo {

struct GanttOptions {
  Duration sequential{};  ///< drawn as a last row, for comparison (zero: no row)
  bool color = false;     ///< ANSI colours (the runner decides: a terminal, and no NO_COLOR)
  int width = 80;
};

std::string render_gantt(const Recorder& recorder, const GanttOptions& options);

}  // namespace evo
