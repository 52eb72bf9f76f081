#pragma once
// Exercise (stage 3): the same bug in three styles: a coroutine never awaited.
//
// fetch_both(services, a, b) fetches two users with stage3::fetch_user
// (async_services.hpp). Contract:
//   - gives both users, as the service answered them: first is user a,
//     second is user b;
//   - fetches them concurrently: both fetches are under way at once, so the
//     whole thing takes one user latency, not two;
//   - if a fetch fails, throws its error (the std::system_error that
//     fetch_user threw, e.g. errc::user_not_found);
//   - the result comes out exactly once, and every coroutine frame is freed
//     once the reactor's run() has returned (stage3::live_frames() == 0).
// The tools are in stage3_coroutines/task.hpp and combinators.hpp.

#include <utility>

#include "common/services.hpp"
#include "stage3_coroutines/async_services.hpp"
#include "stage3_coroutines/combinators.hpp"
#include "stage3_coroutines/task.hpp"

namespace evo::exercises {

using stage3::Task;

Task<std::pair<User, User>> fetch_both(Services& services, UserId a, UserId b);

}  // namespace evo::exercises
