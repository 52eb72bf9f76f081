#pragma once
// Exercise (stage 3, coroutines): an operation the coroutine's stop token can
// cancel ("Cancellation and structured concurrency" in
// stage3_coroutines/README.md). stage3::sleep_for cannot be cancelled; write
// the callback operation that can, and `nap` below makes it awaitable.
//
// Contract of stoppable_sleep(reactor, delay, handler, stop):
//   - it returns at once, having armed a reactor timer of `delay`;
//     handler({}) when it fires; the handler runs exactly once, from the loop;
//   - `stop` stopped while the timer is armed: the timer is cancelled (the run
//     does not wait for it) and handler(errc::cancelled) runs at once;
//   - `stop` stopped already when it is called: handler(errc::cancelled) from
//     the loop (posted), never inside the call, and no timer is armed;
//   - a stop after the handler ran does nothing; nothing leaks.
// The adapter (async_call) hands the awaiting coroutine's token to an
// operation whose last parameter is a std::stop_token, so in `nap` a stop
// request to the task cancels the sleep, and the co_await throws.

#include <stop_token>

#include "common/reactor.hpp"
#include "stage3_coroutines/from_callbacks.hpp"
#include "stage3_coroutines/task.hpp"

namespace evo::exercises {

void stoppable_sleep(Reactor* reactor, Duration delay, stage3::HandlerFor<void> handler,
                     std::stop_token stop);

inline stage3::Task<void> nap(Reactor& reactor, Duration delay) {
  co_await stage3::async_call<void>(&stoppable_sleep, &reactor, delay);  // suspends
}

}  // namespace evo::exercises
