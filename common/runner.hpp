#pragma once
// The main() of every stage binary: parse the shared options, run the
// scenario through the stage's workflow, print the result and the time.

#include "scenario.hpp"

namespace evo {

/// Exit codes: 0 the workflow succeeded; 1 it ended in an error (the failure
/// and timeout scenarios do, on purpose); 64 bad usage; 70 an internal fault
/// (something leaked, or the loop threw).
int stage_main(const StageApi& stage, int argc, const char* const* argv);

}  // namespace evo
