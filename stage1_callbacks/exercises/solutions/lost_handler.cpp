// Reference solution for lost_handler. The two fixes: the early return for a
// bad id must answer the caller, and the error check after fetch_user must
// stop (the `return` in `if (ec) return handler(ec, {});` is what stops).
#include "stage1_callbacks/exercises/lost_handler.hpp"

#include <utility>

#include "common/errors.hpp"

namespace evo::exercises {

void fetch_display_name(Services& services, UserId id, Handler<std::string> handler) {
  if (id <= 0) return handler(errc::user_not_found, {});  // not a user: nothing to fetch
  services.fetch_user(id, [&services, handler = std::move(handler)](
                              std::error_code ec, User user) mutable {  // suspends
    if (ec) return handler(ec, {});
    services.fetch_profile(user.id, [user, handler = std::move(handler)](
                                        std::error_code ec, Profile profile) mutable {  // suspends
      if (ec) return handler(ec, {});
      handler({}, user.name + " (" + profile.bio + ")");
    });
  });
}

}  // namespace evo::exercises
