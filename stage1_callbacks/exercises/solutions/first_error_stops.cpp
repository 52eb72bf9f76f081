// Reference solution for first_error_stops: stage 1's join counter, for two
// values of different types, that stops the other fetch on the first error.
#include "stage1_callbacks/exercises/first_error_stops.hpp"

#include <memory>
#include <utility>

#include "common/cancel.hpp"
#include "common/errors.hpp"

namespace evo::exercises {

void fetch_together(Services& services, UserId id, Handler<UserProfile> handler,
                    std::stop_token stop) {
  struct Join {
    Join(Handler<UserProfile> h, const std::stop_token& stop)
        : handler(std::move(h)), children(2, stop) {}

    // Called by each fetch once; the first error, or the second answer, decides.
    void complete(std::error_code ec) {
      if (!handler) return;  // decided already: an error answered
      if (ec) {
        Handler<UserProfile> answer = std::exchange(handler, nullptr);
        children.request_stop();  // the other fetch is no longer needed
        return answer(ec, {});
      }
      if (--left == 0) std::exchange(handler, nullptr)({}, std::move(result));
    }

    Handler<UserProfile> handler;
    UserProfile result;
    int left = 2;
    ChildStops children;  // 0: the user fetch, 1: the profile fetch
  };
  auto join = std::make_shared<Join>(std::move(handler), stop);
  services.fetch_user(
      id,
      [join](std::error_code ec, User user) {
        join->result.user = std::move(user);
        join->complete(ec);
      },
      join->children.token(0));
  services.fetch_profile(
      id,
      [join](std::error_code ec, Profile profile) {
        join->result.profile = std::move(profile);
        join->complete(ec);
      },
      join->children.token(1));
}

}  // namespace evo::exercises
