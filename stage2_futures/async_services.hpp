#pragma once
// The services' callback API (common/services.hpp), wrapped to return futures.
// Each wrapper is the whole trick of stage 2: a promise stands in for the handler
// (make_future, from_callbacks.hpp). The stop token goes to the service
// unchanged: stopping it cancels the fetch, whose future then fails with
// errc::cancelled.

#include "common/services.hpp"
#include "from_callbacks.hpp"

namespace evo::stage2 {

inline Future<User> fetch_user(Services& services, UserId id, std::stop_token stop = {}) {
  return make_future<User>(
      [&](Handler<User> handler) { services.fetch_user(id, std::move(handler), stop); });
}

inline Future<Profile> fetch_profile(Services& services, UserId id, std::stop_token stop = {}) {
  return make_future<Profile>(
      [&](Handler<Profile> handler) { services.fetch_profile(id, std::move(handler), stop); });
}

}  // namespace evo::stage2
