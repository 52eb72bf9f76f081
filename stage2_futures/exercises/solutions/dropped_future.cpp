// Reference solution for dropped_future. The stub started b's fetch and threw
// its future away: the fetch ran, but its answer had nowhere to go, so the
// stub fetched b again, after a. A future you drop is a result you lose.
#include "stage2_futures/exercises/dropped_future.hpp"

#include "stage2_futures/async_services.hpp"
#include "stage2_futures/combinators.hpp"

namespace evo::exercises {

using namespace evo::stage2;

Future<std::pair<User, User>> fetch_both(Services& services, UserId a, UserId b) {
  // Both fetches start here, so both are in flight together; keeping both
  // futures is what keeps both answers.
  Future<User> user_a = fetch_user(services, a);
  Future<User> user_b = fetch_user(services, b);
  return when_all(std::move(user_a), std::move(user_b))  // suspends
      .then([](std::tuple<User, User> both) {
        return std::pair{std::move(std::get<0>(both)), std::move(std::get<1>(both))};
      });
}

}  // namespace evo::exercises
