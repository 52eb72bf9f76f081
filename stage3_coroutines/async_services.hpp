#pragma once
// The services' callback API (common/services.hpp), made awaitable with
// async_call: `User user = co_await fetch_user(services, id);`

#include "awaitable.hpp"
#include "common/services.hpp"

namespace evo::stage3 {

inline auto fetch_user(Services& services, UserId id) {
  return async_call<User>(&Services::fetch_user, &services, id);
}

inline auto fetch_profile(Services& services, UserId id) {
  return async_call<Profile>(&Services::fetch_profile, &services, id);
}

}  // namespace evo::stage3
