// Reference solution for stoppable_sleep: the services' cancellable fetch
// (common/services.cpp), with a sleep where the fetch had its round trip.
#include "stage3_coroutines/exercises/stoppable_sleep.hpp"

#include <memory>
#include <utility>

#include "common/cancel.hpp"
#include "common/errors.hpp"

namespace evo::exercises {

void stoppable_sleep(Reactor* reactor, Duration delay, stage3::HandlerFor<void> handler,
                     std::stop_token stop) {
  if (stop.stop_requested()) {  // never complete inside the initiating call: post it
    return reactor->post([handler = std::move(handler)]() mutable { handler(errc::cancelled); });
  }
  // The handler and the timer, shared by the timer's callback and the slot.
  struct Sleep {
    explicit Sleep(stage3::HandlerFor<void> h) : handler(std::move(h)) {}
    stage3::HandlerFor<void> handler;
    TimerId timer;
    CancelSlot cancel;
  };
  auto sleep = std::make_shared<Sleep>(std::move(handler));
  sleep->timer = reactor->call_after(delay, [sleep] {
    if (!sleep->handler) return;  // stopped after it fired, before this ran
    sleep->cancel.disarm();
    std::exchange(sleep->handler, nullptr)({});
  });
  sleep->cancel.arm(stop, [reactor, weak = std::weak_ptr(sleep)] {
    std::shared_ptr<Sleep> sleep = weak.lock();  // cancelling the timer frees its copy
    if (!sleep || !sleep->handler) return;
    reactor->cancel(sleep->timer);
    std::exchange(sleep->handler, nullptr)(errc::cancelled);
  });
}

}  // namespace evo::exercises
