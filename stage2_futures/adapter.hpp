#pragma once
#include "common/scenario.hpp"

namespace evo::stage2 {

/// Stage 2's workflow as the runner and the typed tests drive it.
const StageApi& stage_api();

}  // namespace evo::stage2
