#include "adapter.hpp"

#include "workflow.hpp"
#include "workflow_asio.hpp"

namespace evo::stage3 {
namespace {

std::string last_chain;  // the awaiting chain of the last failure, for error_details

}  // namespace

const StageApi& stage_api() {
  static const StageApi api{
      .name = "stage3_coroutines",
      .two_tasks =
          [](Services& services, TwoTasks tasks, Handler<std::vector<std::string>> handler) {
            start(two_tasks(services, tasks), to_handler(std::move(handler), last_chain));
          },
      .fetch_user_and_profile =
          [](Services& services, UserId id, Handler<UserProfile> handler, std::stop_token stop) {
            start(fetch_user_and_profile(services, id), to_handler(std::move(handler), last_chain),
                  stop);
          },
      .fetch_all =
          [](Services& services, std::vector<UserId> ids, Handler<std::vector<UserProfile>> handler,
             std::stop_token stop) {
            start(fetch_all(services, std::move(ids)), to_handler(std::move(handler), last_chain),
                  stop);
          },
      .fetch_with_timeout =
          [](Services& services, UserId id, Duration timeout, Handler<UserProfile> handler,
             std::stop_token stop) {
            start(fetch_with_timeout(services, id, timeout),
                  to_handler(std::move(handler), last_chain), stop);
          },
      .live_objects = [] { return live_frames(); },
      .error_details = [] { return chain_details(last_chain); },
      .asio = &asio_stage,
  };
  return api;
}

std::string chain_details(const std::string& chain) {
  if (chain.empty()) return std::string();
  std::string lines = chain.substr(0, chain.size() - 1);  // no final newline
  return "The error went up through these coroutines (innermost first):\n" + lines;
}

}  // namespace evo::stage3
