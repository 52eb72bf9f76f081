// Your file: make tests/exercises/stoppable_chain_test.cpp pass.
// Check with `tutor check stoppable_chain`; stuck? `tutor hint stoppable_chain`.
#include "stoppable_chain.hpp"

#include <utility>

#include "common/exercise.hpp"
#include "stage2_futures/async_services.hpp"

namespace evo::exercises {

stage2::Future<UserProfile> fetch_user_and_profile_stoppable(Services& services, UserId id,
                                                             std::stop_token stop) {
  // TODO: stage2::fetch_user(services, id, ...), then fetch_profile, as in
  // stage2::fetch_user_and_profile, so that `stop` cancels whichever fetch
  // is pending.
  (void)services;
  (void)id;
  (void)stop;
  todo("fetch_user_and_profile_stoppable");
}

}  // namespace evo::exercises
