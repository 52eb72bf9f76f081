#pragma once
// Exercise (stage 2, futures): a then chain that a stop token cancels
// ("Cancellation: the token travels with the chain" in stage2_futures/README.md).
//
// Contract of fetch_user_and_profile_stoppable(services, id, stop):
//   - it returns a Future at once: fetch_user(id), then fetch_profile for that
//     user (async_services.hpp), completing with both;
//   - an error skips the rest, as in any then chain;
//   - `stop` stopped while the user fetch is pending cancels that fetch; while
//     the profile fetch is pending, cancels that one: either way the future
//     fails with errc::cancelled at once, and no timer is left armed;
//   - `stop` stopped before the call: the future fails with errc::cancelled,
//     from the loop, and no fetch waits its latency;
//   - once the loop is done nothing is left alive (live_states(), live_handlers()).

#include <stop_token>

#include "common/services.hpp"
#include "stage2_futures/future.hpp"

namespace evo::exercises {

stage2::Future<UserProfile> fetch_user_and_profile_stoppable(Services& services, UserId id,
                                                             std::stop_token stop);

}  // namespace evo::exercises
