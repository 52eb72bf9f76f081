#pragma once
#include "common/scenario.hpp"

namespace evo::stage1 {

/// Stage 1's workflow as the runner and the typed tests drive it.
const StageApi& stage_api();

}  // namespace evo::stage1
