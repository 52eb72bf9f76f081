#pragma once
// The main() of every stage binary: parse the shared options, run the
// scenario through the stage's workflow, print the result and the time.

#include "scenario.hpp"

namespace evo {

/// Exit codes: 0 the workflow succeeded; 1 it ended in an error (the failure
/// and timeout scenarios do, on purpose); 64 bad usage (or a run too big for
/// this machine's memory); 70 an internal fault (something leaked, or the loop
/// threw); 74 an output could not be written (a --trace-json file, stdout).
int stage_main(const StageApi& stage, int argc, const char* const* argv);

}  // namespace evo
