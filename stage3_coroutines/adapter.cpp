#include "adapter.hpp"

#include "workflow.hpp"
#include "workflow_asio.hpp"

namespace evo::stage3 {
namespace {

std::string last_chain;  // the awaiting chain of the last failure, for error_details

// start() runs a task to its end and reports (exception, value); the caller
// wants stage 1's (error_code, value). A std::system_error becomes its code;
// any other exception is a bug in the workflow: rethrown, it leaves
// Reactor::run(), as a throwing stage-1 handler's exception would.
template <class T>
auto to_handler(Handler<T> handler) {
  return [handler = std::move(handler)](std::exception_ptr error, T value) mutable {
    if (!error) return handler({}, std::move(value));
    std::error_code ec;
    last_chain = async_backtrace(error);  // now: the record follows the latest failure
    try {
      std::rethrow_exception(error);
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    handler(ec, T{});
  };
}

}  // namespace

const StageApi& stage_api() {
  static const StageApi api{
      .name = "stage3_coroutines",
      .two_tasks =
          [](Services& services, TwoTasks tasks, Handler<std::vector<std::string>> handler) {
            start(two_tasks(services, tasks), to_handler(std::move(handler)));
          },
      .fetch_user_and_profile =
          [](Services& services, UserId id, Handler<UserProfile> handler, std::stop_token stop) {
            start(fetch_user_and_profile(services, id), to_handler(std::move(handler)), stop);
          },
      .fetch_all =
          [](Services& services, std::vector<UserId> ids, Handler<std::vector<UserProfile>> handler,
             std::stop_token stop) {
            start(fetch_all(services, std::move(ids)), to_handler(std::move(handler)), stop);
          },
      .fetch_with_timeout =
          [](Services& services, UserId id, Duration timeout, Handler<UserProfile> handler,
             std::stop_token stop) {
            start(fetch_with_timeout(services, id, timeout), to_handler(std::move(handler)), stop);
          },
      .live_objects = [] { return live_frames(); },
      .error_details =
          [] {
            if (last_chain.empty()) return std::string();
            std::string chain = last_chain.substr(0, last_chain.size() - 1);  // no final newline
            return "The error went up through these coroutines (innermost first):\n" + chain;
          },
      .asio = &asio_stage,
  };
  return api;
}

}  // namespace evo::stage3
