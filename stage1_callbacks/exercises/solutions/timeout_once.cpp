// Reference solution for timeout_once: stage1::fetch_with_timeout's race,
// for fetch_user alone.
#include "stage1_callbacks/exercises/timeout_once.hpp"

#include <memory>
#include <utility>

#include "common/errors.hpp"

namespace evo::exercises {

void fetch_user_within(Services& services, UserId id, Duration timeout, Handler<User> handler) {
  // Two racers, one handler. Whoever comes first takes the handler out; the
  // other finds it empty and returns. Both hold the shared Race, so the slower
  // one never touches freed memory.
  struct Race {
    Handler<User> handler;
    TimerId timer;
  };
  auto race = std::make_shared<Race>(std::move(handler));
  Reactor& reactor = services.reactor();
  race->timer = reactor.call_after(
      timeout,
      [race] {  // suspends
        if (!race->handler) return;
        std::exchange(race->handler, nullptr)(errc::timeout, {});
      },
      "timeout");
  services.fetch_user(id, [&reactor, race](std::error_code ec, User user) {  // suspends
    if (!race->handler) return;   // too late: the caller already got errc::timeout
    reactor.cancel(race->timer);  // the loop need not wait for a deadline that no longer matters
    std::exchange(race->handler, nullptr)(ec, std::move(user));
  });
}

}  // namespace evo::exercises
