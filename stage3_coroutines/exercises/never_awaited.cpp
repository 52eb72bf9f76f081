// Your file: make tests/exercises/never_awaited_test.cpp pass.
// Check with `tutor check never_awaited`; stuck? `tutor hint never_awaited`.
//
// This one is not empty: it compiles, it runs, it looks finished, and it is
// wrong. Run the tests, read what they say, find the bug, fix it.
#include "never_awaited.hpp"

namespace evo::exercises {
namespace {

// Fetches one user into `out`.
Task<void> fetch_into(Services& services, UserId id, User& out) {
  out = co_await stage3::fetch_user(services, id);  // suspends
}

}  // namespace

Task<std::pair<User, User>> fetch_both(Services& services, UserId a, UserId b) {
  std::pair<User, User> both;
  // Fetch user b in the background while this coroutine fetches user a.
  Task<void> fetching_b = fetch_into(services, b, both.second);
  both.first = co_await stage3::fetch_user(services, a);  // suspends
  co_return both;
}

}  // namespace evo::exercises
