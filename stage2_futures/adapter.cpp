#include "adapter.hpp"

#include "workflow.hpp"
#include "workflow_asio.hpp"

namespace evo::stage2 {

const StageApi& stage_api() {
  // Each entry starts the workflow and hands the future's result to the
  // caller's handler: on_complete is where stage 2 meets stage 1's world.
  static const StageApi api{
      .name = "stage2_futures",
      .two_tasks =
          [](Services& services, TwoTasks tasks, Handler<std::vector<std::string>> handler) {
            two_tasks(services, tasks).on_complete(std::move(handler));
          },
      .fetch_user_and_profile =
          [](Services& services, UserId id, Handler<UserProfile> handler, std::stop_token stop) {
            fetch_user_and_profile(services, id, stop).on_complete(std::move(handler));
          },
      .fetch_all =
          [](Services& services, std::vector<UserId> ids, Handler<std::vector<UserProfile>> handler,
             std::stop_token stop) {
            fetch_all(services, std::move(ids), stop).on_complete(std::move(handler));
          },
      .fetch_with_timeout =
          [](Services& services, UserId id, Duration timeout, Handler<UserProfile> handler,
             std::stop_token stop) {
            fetch_with_timeout(services, id, timeout, stop).on_complete(std::move(handler));
          },
      .live_objects = [] { return live_states(); },
      .error_details = [] { return std::string(); },
      .asio = &asio_stage,
  };
  return api;
}

}  // namespace evo::stage2
