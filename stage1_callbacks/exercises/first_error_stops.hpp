#pragma once
// Exercise (stage 1, callbacks): the first error stops the rest, the join
// counter of stage1::fetch_all with cancellation ("Cancellation: a stop
// token, passed in" in stage1_callbacks/README.md).
//
// Contract of fetch_together(services, id, handler, stop):
//   - it returns at once; it starts services.fetch_user(id) and
//     services.fetch_profile(id) side by side (the profile needs only the id);
//     the handler is called later, from the loop, exactly once;
//   - both answer: handler({}, UserProfile{user, profile});
//   - one fails first: the other fetch is stopped at once (its timer is
//     cancelled: the run ends at the failure), then handler(that error, {});
//   - `stop` is stopped while they run: both are cancelled, and the handler
//     hears errc::cancelled, at once;
//   - once the loop is done nothing is left alive (evo::live_handlers()).

#include <stop_token>

#include "common/services.hpp"

namespace evo::exercises {

void fetch_together(Services& services, UserId id, Handler<UserProfile> handler,
                    std::stop_token stop = {});

}  // namespace evo::exercises
