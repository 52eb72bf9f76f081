#include "adapter.hpp"

#include "workflow.hpp"
#include "workflow_asio.hpp"

namespace evo::stage1 {

const StageApi& stage_api() {
  // Plain callbacks have no machinery of their own to leak or to explain:
  // the handlers are counted by live_handlers() like everyone else's.
  static const StageApi api{
      .name = "stage1_callbacks",
      .two_tasks = &two_tasks,
      .fetch_user_and_profile = &fetch_user_and_profile,
      .fetch_all = &fetch_all,
      .fetch_with_timeout = &fetch_with_timeout,
      .live_objects = [] { return std::size_t{0}; },
      .error_details = [] { return std::string(); },
      .asio = &asio_stage,
  };
  return api;
}

}  // namespace evo::stage1
