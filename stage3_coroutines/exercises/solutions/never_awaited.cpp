// Reference solution for never_awaited. The bug: a Task is lazy, so making one
// runs nothing; the fetch of user b never started, and dropping the unawaited
// task at the end freed it silently. Awaiting it after user a would fix the
// result but make the fetches sequential (two latencies). spawn() starts the
// work now and gives back a task that only waits for the result.
#include "stage3_coroutines/exercises/never_awaited.hpp"

#include <string>

namespace evo::exercises {

Task<std::pair<User, User>> fetch_both(Services& services, UserId a, UserId b) {
  Reactor& reactor = services.reactor();
  Task<User> user_a =
      stage3::spawn(reactor, "user " + std::to_string(a), stage3::fetch_user(services, a));
  Task<User> user_b =
      stage3::spawn(reactor, "user " + std::to_string(b), stage3::fetch_user(services, b));
  // Both fetches are under way: waiting for one, then the other, costs one latency.
  User first = co_await std::move(user_a);   // suspends
  User second = co_await std::move(user_b);  // suspends (or not: b may be there already)
  co_return std::pair<User, User>{std::move(first), std::move(second)};
}

}  // namespace evo::exercises
