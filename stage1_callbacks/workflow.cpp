// Stage 1: callbacks. Read this file first; stages 2 and 3 rewrite these same
// functions, in this order, with futures and then with coroutines.
//
// Every call that waits takes a handler and returns at once. The code after
// the wait has to live INSIDE that handler, so each step nests one level
// deeper: that nesting is "callback hell", and it is the point of this file.
// Lines marked `// suspends` are where control goes back to the loop.

#include "workflow.hpp"

#include <memory>
#include <utility>

#include "common/errors.hpp"

namespace evo::stage1 {
namespace {

// The join counter: n operations report here; the last one to finish calls
// the handler. The first error stops the others (they report errc::cancelled
// at once, and find the handler gone), then calls it. Either way the handler
// runs exactly once, and nothing the join started runs on after it.
template <class T>
struct Join {
  Join(std::size_t n, Handler<std::vector<T>> done, const std::stop_token& stop)
      : results(n), left(n), handler(std::move(done)), children(n, stop) {}

  void complete(std::size_t i, std::error_code ec, T value) {
    if (!handler) return;  // an earlier error already answered the caller
    if (ec) {
      Handler<std::vector<T>> answer = std::exchange(handler, nullptr);
      children.request_stop();  // the others are no longer needed
      return answer(ec, {});
    }
    results[i] = std::move(value);
    if (--left == 0) std::exchange(handler, nullptr)({}, std::move(results));
  }

  std::vector<T> results;
  std::size_t left;
  Handler<std::vector<T>> handler;
  ChildStops children;  // one stop source per operation, stopped with `stop` too
};

std::string user_label(UserId id) {
  return "user " + std::to_string(id);
}

}  // namespace

void one_task(Services& services, std::string name, Duration delay, Duration block,
              Handler<std::string> handler) {
  Reactor& reactor = services.reactor();
  Duration started = reactor.now();
  reactor.log(name + ": Starting");
  if (block > Duration::zero()) reactor.block_for(block);  // everyone waits: never do this
  reactor.call_after(
      delay, [&reactor, name, started, handler = std::move(handler)]() mutable {  // suspends
        reactor.log(name + ": Got result after " + format_seconds(reactor.now() - started));
        handler({}, name + " data");
      });
}

void two_tasks(Services& services, TwoTasks tasks, Handler<std::vector<std::string>> handler) {
  auto join = std::make_shared<Join<std::string>>(2, std::move(handler), std::stop_token());
  services.reactor().spawn("Task A", [&services, tasks, join] {
    one_task(services, "Task A", tasks.delay_a, Duration::zero(),
             [join](std::error_code ec, std::string result) {
               join->complete(0, ec, std::move(result));
             });
  });
  services.reactor().spawn("Task B", [&services, tasks, join] {
    one_task(services, "Task B", tasks.delay_b, tasks.block_b,
             [join](std::error_code ec, std::string result) {
               join->complete(1, ec, std::move(result));
             });
  });
}

void fetch_user_and_profile(Services& services, UserId id, Handler<UserProfile> handler,
                            std::stop_token stop) {
  // The token goes to each fetch in turn: a stop cancels whichever is pending.
  services.fetch_user(
      id,
      [&services, stop, handler = std::move(handler)](std::error_code ec,
                                                      User user) mutable {  // suspends
        if (ec) return handler(ec, {});
        services.fetch_profile(
            user.id,
            [user, handler = std::move(handler)](std::error_code ec,
                                                 Profile profile) mutable {  // suspends
              if (ec) return handler(ec, {});
              handler({}, UserProfile{std::move(user), std::move(profile)});
            },
            stop);
      },
      stop);
}

void fetch_all(Services& services, std::vector<UserId> ids,
               Handler<std::vector<UserProfile>> handler, std::stop_token stop) {
  if (ids.empty()) {  // nothing to fetch, yet the answer comes from the loop: see the README
    return post_result(services.reactor(), std::vector<UserProfile>{},
                       std::move(handler));  // suspends
  }
  auto join = std::make_shared<Join<UserProfile>>(ids.size(), std::move(handler), stop);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    services.reactor().spawn(user_label(ids[i]), [&services, join, i, id = ids[i]] {
      fetch_user_and_profile(
          services, id,
          [join, i](std::error_code ec, UserProfile user_profile) {
            join->complete(i, ec, std::move(user_profile));
          },
          join->children.token(i));
    });
  }
}

void fetch_with_timeout(Services& services, UserId id, Duration timeout,
                        Handler<UserProfile> handler, std::stop_token stop) {
  // Two racers, one handler: whoever comes first takes the handler out of the
  // shared state and stops the other (the timer is cancelled; the fetch is
  // asked to stop, and answers errc::cancelled at once, to an empty handler).
  // The state lives as long as a racer still holds it, so a late reply never
  // touches freed memory.
  struct Race {
    Race(Handler<UserProfile> h, const std::stop_token& stop)
        : handler(std::move(h)), fetch(1, stop) {}
    Handler<UserProfile> handler;
    TimerId timer;
    ChildStops fetch;  // stops the fetch: at the deadline, or when our caller stops us
  };
  auto race = std::make_shared<Race>(std::move(handler), stop);
  Reactor& reactor = services.reactor();
  fetch_user_and_profile(
      services, id,
      [&reactor, race](std::error_code ec, UserProfile user_profile) {  // suspends
        if (!race->handler) return;  // too late: the caller already got errc::timeout
        reactor.cancel(race->timer);
        std::exchange(race->handler, nullptr)(ec, std::move(user_profile));
      },
      race->fetch.token(0));
  if (!race->handler) return;  // it answered already: no race to run
  race->timer = reactor.call_after(
      timeout,
      [race] {  // suspends
        if (!race->handler) return;
        Handler<UserProfile> answer = std::exchange(race->handler, nullptr);
        race->fetch.request_stop();  // the loser: nothing may run on after the deadline
        answer(errc::timeout, {});
      },
      "timeout");
}

}  // namespace evo::stage1
