#pragma once
// Exercise (stage 2): chain two lookups with then.
//
// Contract of profile_bio(services, id):
//   - fetches the user `id` (stage2::fetch_user, async_services.hpp), then
//     THAT user's profile (stage2::fetch_profile with the user's id), and
//     completes with the profile's bio;
//   - returns a Future at once: nothing is fetched until the reactor runs,
//     and the thread never waits (no sleeping, no polling);
//   - the profile fetch starts only once the user has arrived, so the bio
//     arrives after user latency + profile latency of loop time;
//   - an error skips the rest of the chain and reaches the caller: an unknown
//     user gives errc::user_not_found and the profile is never fetched; a
//     missing profile gives errc::profile_not_found;
//   - completes exactly once and leaves no shared state behind.
// Write it with then: a continuation that returns a Future<Profile> is
// flattened, so the chain stays one level deep.

#include <string>

#include "common/services.hpp"
#include "stage2_futures/future.hpp"

namespace evo::exercises {

stage2::Future<std::string> profile_bio(Services& services, UserId id);

}  // namespace evo::exercises
