// Stage 3 on Boost.Asio: asio::awaitable, co_spawn, use_awaitable. Read
// workflow.cpp first; this is the same file with Asio's coroutine type in
// place of our Task, and the same services completed with use_awaitable.
//
// `co_await async_fetch_user(services, id, use_awaitable)` calls the very
// initiating function stage 1 calls with a lambda: use_awaitable makes the
// handler one that resumes this coroutine. A failed fetch throws
// boost::system::system_error out of its co_await, and skips the rest.
// Lines marked `// suspends` are where control goes back to the loop.

#include "workflow_asio.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <utility>

#include "common/asio_combinators.hpp"
#include "common/errors.hpp"

namespace evo::stage3 {

namespace asio = boost::asio;
using asio::awaitable;
using asio::deferred;
using asio::use_awaitable;
using asio_engine::Loop;
using asio_engine::Services;
using namespace asio::experimental::awaitable_operators;

namespace {

std::string user_label(UserId id) {
  return "user " + std::to_string(id);
}

}  // namespace

awaitable<std::string> one_task(Services& services, std::string name, Duration delay,
                                Duration block) {
  Loop& loop = services.loop();
  Duration started = loop.now();
  loop.log(name + ": Starting");
  if (block > Duration::zero()) loop.block_for(block);   // everyone waits: never do this
  co_await async_sleep(services, delay, use_awaitable);  // suspends
  loop.log(name + ": Got result after " + format_seconds(loop.now() - started));
  co_return name + " data";
}

awaitable<std::vector<std::string>> two_tasks(Services& services, TwoTasks tasks) {
  // `&&` runs both awaitables at once and waits for both (an exception in one
  // cancels the other): when_all for two.
  auto running =
      spawn(services, "Task A", one_task(services, "Task A", tasks.delay_a, Duration::zero())) &&
      spawn(services, "Task B", one_task(services, "Task B", tasks.delay_b, tasks.block_b));
  auto [a, b] = co_await std::move(running);  // suspends
  co_return std::vector<std::string>{std::move(a), std::move(b)};
}

awaitable<UserProfile> fetch_user_and_profile(Services& services, UserId id) {
  User user = co_await async_fetch_user(services, id, use_awaitable);                // suspends
  Profile profile = co_await async_fetch_profile(services, user.id, use_awaitable);  // suspends
  co_return UserProfile{std::move(user), std::move(profile)};
}

awaitable<std::vector<UserProfile>> fetch_all(Services& services, std::vector<UserId> ids) {
  if (ids.empty()) co_return std::vector<UserProfile>{};
  auto start = [&services](UserId id) {
    auto task =
        asio::co_spawn(services.loop().executor(), fetch_user_and_profile(services, id), deferred);
    return async_spawn(services, user_label(id), std::move(task), deferred);
  };
  std::vector<decltype(start(0))> running;
  running.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    running.push_back(start(ids[i]));
  }
  co_return co_await when_all(services, std::move(running), use_awaitable);  // suspends
}

awaitable<UserProfile> fetch_with_timeout(Services& services, UserId id, Duration timeout) {
  // Not `fetch || sleep`: Asio's || waits for the first SUCCESS, so a lookup
  // that fails at once would wait for the timer and report a timeout.
  // with_timeout takes the first to finish and cancels the other.
  auto fetch =
      asio::co_spawn(services.loop().executor(), fetch_user_and_profile(services, id), deferred);
  co_return co_await with_timeout(services, std::move(fetch), timeout,
                                  use_awaitable);  // suspends
}

// co_spawn starts a coroutine on the loop; its handler gets (exception, value).
const AsioStageApi asio_stage{
    .two_tasks =
        [](Services& services, TwoTasks tasks, Handler<std::vector<std::string>> handler) {
          asio::co_spawn(services.loop().executor(), two_tasks(services, tasks),
                         asio_engine::as_handler(std::move(handler)));
        },
    .fetch_user_and_profile =
        [](Services& services, UserId id, Handler<UserProfile> handler) {
          asio::co_spawn(services.loop().executor(), fetch_user_and_profile(services, id),
                         asio_engine::as_handler(std::move(handler)));
        },
    .fetch_all =
        [](Services& services, std::vector<UserId> ids, Handler<std::vector<UserProfile>> handler) {
          asio::co_spawn(services.loop().executor(), fetch_all(services, std::move(ids)),
                         asio_engine::as_handler(std::move(handler)));
        },
    .fetch_with_timeout =
        [](Services& services, UserId id, Duration timeout, Handler<UserProfile> handler) {
          asio::co_spawn(services.loop().executor(), fetch_with_timeout(services, id, timeout),
                         asio_engine::as_handler(std::move(handler)));
        },
};

}  // namespace evo::stage3
