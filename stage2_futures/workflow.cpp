// Stage 2: futures. Read stage 1 first; this replaces its nested handlers
// with `then`, its join counter with when_all, and its race with with_timeout.
//
// A function that waits now returns a Future at once, and the code after the
// wait goes in a continuation passed to then(). An error skips the
// continuations, so the `if (ec) return handler(ec, {});` lines are gone.
// Lines marked `// suspends` are where control goes back to the loop.

#include "workflow.hpp"

#include <memory>
#include <utility>

#include "async_services.hpp"
#include "combinators.hpp"
#include "common/errors.hpp"

namespace evo::stage2 {
namespace {

std::string user_label(UserId id) {
  return "user " + std::to_string(id);
}

}  // namespace

Future<std::string> one_task(Services& services, std::string name, Duration delay, Duration block) {
  Reactor& reactor = services.reactor();
  Duration started = reactor.now();
  reactor.log(name + ": Starting");
  if (block > Duration::zero()) reactor.block_for(block);  // everyone waits: never do this
  return sleep_for(reactor, delay).then([&reactor, name, started] {  // suspends
    reactor.log(name + ": Got result after " + format_seconds(reactor.now() - started));
    return name + " data";
  });
}

Future<std::vector<std::string>> two_tasks(Services& services, TwoTasks tasks) {
  std::vector<Future<std::string>> running;
  running.push_back(spawn(services.reactor(), "Task A", [&services, tasks] {
    return one_task(services, "Task A", tasks.delay_a, Duration::zero());
  }));
  running.push_back(spawn(services.reactor(), "Task B", [&services, tasks] {
    return one_task(services, "Task B", tasks.delay_b, tasks.block_b);
  }));
  return when_all(std::move(running));  // suspends
}

Future<UserProfile> fetch_user_and_profile(Services& services, UserId id, std::stop_token stop) {
  // The token travels with the chain: a stop cancels whichever fetch is pending.
  return fetch_user(services, id, stop).then([&services, stop](User user) {  // suspends
    return fetch_profile(services, user.id, stop)
        .then([user = std::move(user)](Profile profile) mutable {  // suspends
          return UserProfile{std::move(user), std::move(profile)};
        });
  });
}

Future<std::vector<UserProfile>> fetch_all(Services& services, std::vector<UserId> ids,
                                           std::stop_token stop) {
  if (ids.empty()) {  // nothing to fetch, yet the answer comes from the loop, as in stage 1
    return make_future<std::vector<UserProfile>>([&](Handler<std::vector<UserProfile>> handler) {
      post_result(services.reactor(), std::vector<UserProfile>{}, std::move(handler));
    });  // suspends
  }
  auto children = std::make_shared<ChildStops>(ids.size(), stop);  // when_all stops them
  std::vector<Future<UserProfile>> running;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    running.push_back(spawn(services.reactor(), user_label(ids[i]),
                            [&services, id = ids[i], child = children->token(i)] {
                              return fetch_user_and_profile(services, id, child);
                            }));
  }
  return when_all(std::move(running), std::move(children));  // suspends
}

Future<UserProfile> fetch_with_timeout(Services& services, UserId id, Duration timeout,
                                       std::stop_token stop) {
  // The race of stage 1, now a combinator: see with_timeout in combinators.hpp.
  Reactor& reactor = services.reactor();
  auto fetch = std::make_shared<ChildStops>(1, stop);  // with_timeout stops the loser
  Future<UserProfile> user_profile = fetch_user_and_profile(services, id, fetch->token(0));
  return with_timeout(reactor, std::move(user_profile), timeout, std::move(fetch));  // suspends
}

}  // namespace evo::stage2
