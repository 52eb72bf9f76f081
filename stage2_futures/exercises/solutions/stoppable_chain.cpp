// Reference solution for stoppable_chain: the token is captured by the
// continuation that starts the second step, so it reaches both fetches.
#include "stage2_futures/exercises/stoppable_chain.hpp"

#include <utility>

#include "stage2_futures/async_services.hpp"

namespace evo::exercises {

stage2::Future<UserProfile> fetch_user_and_profile_stoppable(Services& services, UserId id,
                                                             std::stop_token stop) {
  return stage2::fetch_user(services, id, stop).then([&services, stop](User user) {  // suspends
    return stage2::fetch_profile(services, user.id, stop)
        .then([user = std::move(user)](Profile profile) mutable {  // suspends
          return UserProfile{std::move(user), std::move(profile)};
        });
  });
}

}  // namespace evo::exercises
