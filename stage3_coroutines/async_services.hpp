#pragma once
// The services' callback API (common/services.hpp), made awaitable with
// async_call: `User user = co_await fetch_user(services, id);`
//
// Each wrapper is a coroutine of its own (not just the awaiter) so that a
// failed fetch shows up by name in the async backtrace.

#include "common/services.hpp"
#include "from_callbacks.hpp"
#include "task.hpp"

namespace evo::stage3 {

inline Task<User> fetch_user(Services& services, UserId id) {
  co_return co_await async_call<User>(&Services::fetch_user, &services, id);
}

inline Task<Profile> fetch_profile(Services& services, UserId id) {
  co_return co_await async_call<Profile>(&Services::fetch_profile, &services, id);
}

}  // namespace evo::stage3
