// Stage 3: coroutines. Read stages 1 and 2 first; this writes the same
// functions as straight-line code, and co_await does what the handlers did.
//
// Each `co_await` below hands the reactor a callback that resumes this
// coroutine (see from_callbacks.hpp), then returns to whoever resumed it: the
// loop, or on the first run the caller of start(). The reactor sees
// exactly what it saw in stage 1. Errors are exceptions now: a failed fetch
// throws std::system_error out of its co_await, and skips the rest.
// Lines marked `// suspends` are where control goes back to the loop.

#include "workflow.hpp"

#include <memory>
#include <utility>

#include "async_services.hpp"
#include "combinators.hpp"
#include "common/errors.hpp"

namespace evo::stage3 {
namespace {

std::string user_label(UserId id) {
  return "user " + std::to_string(id);
}

}  // namespace

Task<std::string> one_task(Services& services, std::string name, Duration delay, Duration block) {
  Reactor& reactor = services.reactor();
  Duration started = reactor.now();
  reactor.log(name + ": Starting");
  if (block > Duration::zero()) reactor.block_for(block);  // everyone waits: never do this
  co_await sleep_for(reactor, delay);                      // suspends
  reactor.log(name + ": Got result after " + format_seconds(reactor.now() - started));
  co_return name + " data";
}

Task<std::vector<std::string>> two_tasks(Services& services, TwoTasks tasks) {
  std::vector<Task<std::string>> running;
  running.push_back(spawn(services.reactor(), "Task A",
                          one_task(services, "Task A", tasks.delay_a, Duration::zero())));
  running.push_back(spawn(services.reactor(), "Task B",
                          one_task(services, "Task B", tasks.delay_b, tasks.block_b)));
  co_return co_await when_all(std::move(running));  // suspends
}

Task<UserProfile> fetch_user_and_profile(Services& services, UserId id) {
  User user = co_await fetch_user(services, id);                // suspends
  Profile profile = co_await fetch_profile(services, user.id);  // suspends
  co_return UserProfile{std::move(user), std::move(profile)};
}

Task<std::vector<UserProfile>> fetch_all(Services& services, std::vector<UserId> ids) {
  if (ids.empty()) {  // nothing to fetch, yet the answer comes from the loop, as in stage 1
    co_return co_await async_call<std::vector<UserProfile>>(
        [&](Handler<std::vector<UserProfile>> handler) {
          post_result(services.reactor(), std::vector<UserProfile>{}, std::move(handler));
        });  // suspends
  }
  std::vector<Task<UserProfile>> running;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    running.push_back(
        spawn(services.reactor(), user_label(ids[i]), fetch_user_and_profile(services, ids[i])));
  }
  co_return co_await when_all(std::move(running));  // suspends
}

Task<UserProfile> fetch_with_timeout(Services& services, UserId id, Duration timeout) {
  // The race of stage 1, now a combinator: see with_timeout in combinators.hpp.
  Reactor& reactor = services.reactor();
  co_return co_await with_timeout(reactor, fetch_user_and_profile(services, id),
                                  timeout);  // suspends
}

}  // namespace evo::stage3
