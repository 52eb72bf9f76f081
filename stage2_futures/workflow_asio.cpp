// Stage 2 on Boost.Asio: asio::deferred. Read workflow.cpp first; this is the
// same file with Asio's deferred operations in place of our Futures.
//
// `async_fetch_user(services, id, deferred)` starts nothing: it returns the
// operation as a value, and `op | deferred(fn)` chains fn after it, as then()
// does. Unlike our Future, which is eager, a deferred chain is lazy: it runs
// when someone launches it with a completion token. An error does not skip
// the chain by itself: deferred.when(!ec) says which way to go.
// Lines marked `// suspends` are where control goes back to the loop.

#include "workflow_asio.hpp"

#include <utility>

#include "common/asio_combinators.hpp"
#include "common/errors.hpp"

namespace evo::stage2 {

namespace asio = boost::asio;
using asio::deferred;
using asio_engine::error_code;
using asio_engine::Loop;
using asio_engine::Services;

namespace {

std::string user_label(UserId id) {
  return "user " + std::to_string(id);
}

}  // namespace

auto one_task(Services& services, std::string name, Duration delay, Duration block) {
  Loop& loop = services.loop();
  // Lazy: even the start of the task is a step of the chain, run at launch.
  return deferred.values() | deferred([&services, &loop, name, delay, block] {
           Duration started = loop.now();
           loop.log(name + ": Starting");
           if (block > Duration::zero()) loop.block_for(block);  // everyone waits: never do this
           return async_sleep(services, delay, deferred) |
                  deferred([&loop, name, started](error_code ec) {  // suspends
                    loop.log(name + ": Got result after " + format_seconds(loop.now() - started));
                    return deferred.values(ec, name + " data");
                  });
         });
}

auto two_tasks(Services& services, TwoTasks tasks) {
  std::vector running{
      async_spawn(services, "Task A", one_task(services, "Task A", tasks.delay_a, Duration::zero()),
                  deferred),
      async_spawn(services, "Task B", one_task(services, "Task B", tasks.delay_b, tasks.block_b),
                  deferred)};
  return when_all(services, std::move(running), deferred);  // suspends
}

auto fetch_user_and_profile(Services& services, UserId id) {
  return async_fetch_user(services, id, deferred) |
         deferred([&services](error_code ec, User user) {  // suspends
           return deferred.when(!ec)
               .then(async_fetch_profile(services, user.id, deferred) |
                     deferred([user](error_code ec, Profile profile) {  // suspends
                       return deferred.values(ec, UserProfile{user, std::move(profile)});
                     }))
               .otherwise(deferred.values(ec, UserProfile{}));
         });
}

auto fetch_all(Services& services, std::vector<UserId> ids) {
  // No ids: when_all answers an empty vector, posted (never inside the launch).
  auto start = [&services](UserId id) {
    return async_spawn(services, user_label(id), fetch_user_and_profile(services, id), deferred);
  };
  std::vector<decltype(start(0))> running;
  running.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    running.push_back(start(ids[i]));
  }
  return when_all(services, std::move(running), deferred);  // suspends
}

auto fetch_with_timeout(Services& services, UserId id, Duration timeout) {
  // The race of stage 1 as a parallel group: the loser is cancelled, not just ignored.
  return with_timeout(services, fetch_user_and_profile(services, id), timeout,
                      deferred);  // suspends
}

// Launching a deferred operation with a handler starts it: our Handler<T> is
// a completion handler as it stands (boost's error_code converts to std's).
const AsioStageApi asio_stage{
    .two_tasks =
        [](Services& services, TwoTasks tasks, Handler<std::vector<std::string>> handler) {
          two_tasks(services, tasks)(std::move(handler));
        },
    .fetch_user_and_profile =
        [](Services& services, UserId id, Handler<UserProfile> handler) {
          fetch_user_and_profile(services, id)(std::move(handler));
        },
    .fetch_all =
        [](Services& services, std::vector<UserId> ids, Handler<std::vector<UserProfile>> handler) {
          fetch_all(services, std::move(ids))(std::move(handler));
        },
    .fetch_with_timeout =
        [](Services& services, UserId id, Duration timeout, Handler<UserProfile> handler) {
          fetch_with_timeout(services, id, timeout)(std::move(handler));
        },
};

}  // namespace evo::stage2
