#pragma once
#include "common/scenario.hpp"

namespace evo::stage3::lowered {

/// The binary stage3_lowered: fetch_user_and_profile runs the hand-lowered
/// frame directly; two_tasks, fetch_all and fetch_with_timeout reuse stage 3's
/// spawn, when_all and with_timeout around the lowered frames (see the .cpp).
const StageApi& stage_api();

}  // namespace evo::stage3::lowered
