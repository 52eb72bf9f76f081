#pragma once
// Stage 3 on Boost.Asio (--engine asio): the same functions as workflow.cpp,
// in the same order, on the Asio engine (common/asio_services.hpp). The
// runner and the tests start them through this table.
#include "common/scenario.hpp"

namespace evo::stage3 {

extern const AsioStageApi asio_stage;

}  // namespace evo::stage3
