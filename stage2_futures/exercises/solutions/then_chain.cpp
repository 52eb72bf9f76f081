// Reference solution for then_chain. A continuation that returns a future is
// flattened, so the chain reads top to bottom; compare fetch_user_and_profile
// in stage2_futures/workflow.cpp, which nests to keep `user` in scope.
#include "stage2_futures/exercises/then_chain.hpp"

#include "stage2_futures/async_services.hpp"

namespace evo::exercises {

using namespace evo::stage2;

Future<std::string> profile_bio(Services& services, UserId id) {
  return fetch_user(services, id)
      .then([&services](User user) { return fetch_profile(services, user.id); })  // suspends
      .then([](Profile profile) { return std::move(profile.bio); });              // suspends
}

}  // namespace evo::exercises
