// Your file: make tests/exercises/dropped_future_test.cpp pass.
// Check with `tutor check dropped_future`; stuck? `tutor hint dropped_future`.
#include "dropped_future.hpp"

#include "stage2_futures/async_services.hpp"
#include "stage2_futures/combinators.hpp"

namespace evo::exercises {

using namespace evo::stage2;

// TODO: this compiles and gives the right users, yet its tests fail. Run them,
// read what they say, and fix the bug.
Future<std::pair<User, User>> fetch_both(Services& services, UserId a, UserId b) {
  Future<User> first = fetch_user(services, a);
  fetch_user(services, b);  // start b's fetch too, so both are in flight together
  return std::move(first).then([&services, b](User user_a) {     // suspends
    return fetch_user(services, b).then([user_a](User user_b) {  // suspends
      return std::pair{user_a, user_b};
    });
  });
}

}  // namespace evo::exercises
