#pragma once
// Exercise (stage 2): the same bug in three styles, a dropped future.
//
// This one starts from code that compiles and looks right, and is not: the
// tests say what is wrong, and you fix it. Its twins in stage 1 and stage 3
// have the same bug in their own style.
//
// Contract of fetch_both(services, a, b):
//   - completes with {user a, user b} (a first), as stage2::fetch_user gives them;
//   - fetches each user exactly once, and both at once: the two fetches are
//     in flight together, so the pair arrives after ONE user latency of loop
//     time, not two;
//   - if a fetch fails, completes with the first error as soon as it arrives,
//     without waiting for the other fetch;
//   - completes exactly once and leaves no shared state behind.

#include <utility>

#include "common/services.hpp"
#include "stage2_futures/future.hpp"

namespace evo::exercises {

stage2::Future<std::pair<User, User>> fetch_both(Services& services, UserId a, UserId b);

}  // namespace evo::exercises
