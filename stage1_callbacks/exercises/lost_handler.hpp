#pragma once
// Exercise (stage 1, callbacks): the same bug in three styles, a handler lost
// or called twice. Here the code is written for you, and it is wrong: find
// the bugs and fix them ("What goes wrong if..." in stage1_callbacks/README.md).
//
// Contract of fetch_display_name(services, id, handler): the handler is called
// EXACTLY ONCE on every path, never zero times, never twice:
//   - id <= 0 is not a user: handler(errc::user_not_found, {}) without
//     fetching anything (right away is fine);
//   - otherwise fetch_user(id), then fetch_profile(user.id), one after the
//     other, and handler({}, "Name (bio)"): the user's name, a space, and the
//     profile's bio in parentheses;
//   - if fetch_user fails: handler(that error, {}), and no profile is fetched;
//   - if fetch_profile fails: handler(that error, {});
//   - once the loop is done nothing is left alive (evo::live_handlers() is
//     back where it was).

#include <string>

#include "common/services.hpp"

namespace evo::exercises {

void fetch_display_name(Services& services, UserId id, Handler<std::string> handler);

}  // namespace evo::exercises
