#pragma once
#include "common/scenario.hpp"

namespace evo::stage3 {

/// Stage 3's workflow as the runner and the typed tests drive it.
const StageApi& stage_api();

}  // namespace evo::stage3
