#pragma once
// Chrome Trace Event JSON (--trace-json FILE), for ui.perfetto.dev or
// chrome://tracing. Each task label is a process there (one track group per
// label): every callback run is a slice on its "loop" thread (zero-long on the
// virtual clock, unless the callback blocked), and every wait (a timer, an fd)
// is an async span from when it was armed to when it fired or was cancelled.

#include <string>

#include "trace.hpp"

namespace evo {

std::string render_trace_json(const Recorder& recorder);

}  // namespace evo
