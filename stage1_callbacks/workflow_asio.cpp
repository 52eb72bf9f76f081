// Stage 1 on Boost.Asio. Read workflow.cpp first: this is the same file, line
// for line, with Asio's initiating functions in place of our services, and a
// lambda as the completion token. `diff workflow.cpp workflow_asio.cpp` shows
// how little changes: a lambda IS an Asio completion handler.
//
// Every call that waits takes a handler and returns at once; the handler runs
// later, exactly once, from the io_context (never inside the call).
// Lines marked `// suspends` are where control goes back to the loop.

#include "workflow_asio.hpp"

#include <memory>
#include <utility>

#include "common/asio_services.hpp"
#include "common/errors.hpp"

namespace evo::stage1 {

using asio_engine::error_code;
using asio_engine::Loop;
using asio_engine::Services;
using asio_engine::Timer;

namespace {

// The join counter: n operations report here; the last one to finish calls
// the handler. The first error calls it at once, and later reports find the
// handler gone. Either way the handler runs exactly once.
template <class T>
struct Join {
  Join(std::size_t n, Handler<std::vector<T>> done)
      : results(n), left(n), handler(std::move(done)) {}

  void complete(std::size_t i, std::error_code ec, T value) {
    if (!handler) return;  // an earlier error already answered the caller
    if (ec) return std::exchange(handler, nullptr)(ec, {});
    results[i] = std::move(value);
    if (--left == 0) std::exchange(handler, nullptr)({}, std::move(results));
  }

  std::vector<T> results;
  std::size_t left;
  Handler<std::vector<T>> handler;
};

std::string user_label(UserId id) {
  return "user " + std::to_string(id);
}

}  // namespace

void one_task(Services& services, std::string name, Duration delay, Duration block,
              Handler<std::string> handler) {
  Loop& loop = services.loop();
  Duration started = loop.now();
  loop.log(name + ": Starting");
  if (block > Duration::zero()) loop.block_for(block);  // everyone waits: never do this
  async_sleep(
      services, delay,
      [&loop, name, started, handler = std::move(handler)](error_code) mutable {  // suspends
        loop.log(name + ": Got result after " + format_seconds(loop.now() - started));
        handler({}, name + " data");
      });
}

void two_tasks(Services& services, TwoTasks tasks, Handler<std::vector<std::string>> handler) {
  auto join = std::make_shared<Join<std::string>>(2, std::move(handler));
  services.loop().spawn("Task A", [&services, tasks, join] {
    one_task(services, "Task A", tasks.delay_a, Duration::zero(),
             [join](std::error_code ec, std::string result) {
               join->complete(0, ec, std::move(result));
             });
  });
  services.loop().spawn("Task B", [&services, tasks, join] {
    one_task(services, "Task B", tasks.delay_b, tasks.block_b,
             [join](std::error_code ec, std::string result) {
               join->complete(1, ec, std::move(result));
             });
  });
}

void fetch_user_and_profile(Services& services, UserId id, Handler<UserProfile> handler) {
  async_fetch_user(
      services, id,
      [&services, handler = std::move(handler)](error_code ec, User user) mutable {  // suspends
        if (ec) return handler(ec, {});
        async_fetch_profile(services, user.id,
                            [user, handler = std::move(handler)](
                                error_code ec, Profile profile) mutable {  // suspends
                              if (ec) return handler(ec, {});
                              handler({}, UserProfile{std::move(user), std::move(profile)});
                            });
      });
}

void fetch_all(Services& services, std::vector<UserId> ids,
               Handler<std::vector<UserProfile>> handler) {
  if (ids.empty()) {  // nothing to fetch, yet the answer comes from the loop: see the README
    return services.loop().post(
        [handler = std::move(handler)]() mutable { handler({}, {}); });  // suspends
  }
  auto join = std::make_shared<Join<UserProfile>>(ids.size(), std::move(handler));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    services.loop().spawn(user_label(ids[i]), [&services, join, i, id = ids[i]] {
      fetch_user_and_profile(services, id, [join, i](std::error_code ec, UserProfile user_profile) {
        join->complete(i, ec, std::move(user_profile));
      });
    });
  }
}

void fetch_with_timeout(Services& services, UserId id, Duration timeout,
                        Handler<UserProfile> handler) {
  // The race of workflow.cpp. Asio's timer is an object we can cancel(); the
  // fetch has no such object, so its late reply is still dropped by hand.
  struct Race {
    Handler<UserProfile> handler;
    std::unique_ptr<Timer> timer;
  };
  auto race = std::make_shared<Race>(std::move(handler));
  Loop& loop = services.loop();
  fetch_user_and_profile(services, id,
                         [race](std::error_code ec, UserProfile user_profile) {  // suspends
                           if (!race->handler) return;  // too late: errc::timeout won
                           race->timer->cancel();
                           std::exchange(race->handler, nullptr)(ec, std::move(user_profile));
                         });
  race->timer = std::make_unique<Timer>(loop.executor(), timeout);
  race->timer->async_wait(loop.wrap_timer(timeout, "timeout", [race](error_code ec) {  // suspends
    if (ec || !race->handler) return;  // cancelled: the fetch answered first
    std::exchange(race->handler, nullptr)(errc::timeout, {});
  }));
}

const AsioStageApi asio_stage{
    .two_tasks = &two_tasks,
    .fetch_user_and_profile = &fetch_user_and_profile,
    .fetch_all = &fetch_all,
    .fetch_with_timeout = &fetch_with_timeout,
};

}  // namespace evo::stage1
