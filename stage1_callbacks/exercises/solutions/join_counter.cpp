// Reference solution for join_counter: stage1::fetch_all's Join, written out
// for one step (fetch_user) instead of two.
#include "stage1_callbacks/exercises/join_counter.hpp"

#include <memory>
#include <utility>

namespace evo::exercises {

void fetch_names(Services& services, std::vector<UserId> ids,
                 Handler<std::vector<std::string>> handler) {
  if (ids.empty())
    return post_result(services.reactor(), std::vector<std::string>{}, std::move(handler));
  // The counter every reply reports to. Each reply's callback holds a
  // shared_ptr to it, so it lives until the last reply has come, even when an
  // error answered the caller long before.
  struct Join {
    std::vector<std::string> names;
    std::size_t left;
    Handler<std::vector<std::string>> handler;
  };
  auto join =
      std::make_shared<Join>(std::vector<std::string>(ids.size()), ids.size(), std::move(handler));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    services.fetch_user(ids[i], [join, i](std::error_code ec, User user) {  // suspends
      if (!join->handler) return;  // an earlier error already answered the caller
      if (ec) return std::exchange(join->handler, nullptr)(ec, {});
      join->names[i] = std::move(user.name);  // slot i: the order of ids, not of arrival
      if (--join->left == 0) std::exchange(join->handler, nullptr)({}, std::move(join->names));
    });
  }
}

}  // namespace evo::exercises
