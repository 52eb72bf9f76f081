#pragma once
// Exercise (stage 1, callbacks): retry with back-off. The wait between two
// tries is a reactor timer, so the loop keeps running everyone else meanwhile.
//
// Contract of retry(reactor, attempts, backoff, operation, handler), with
// attempts >= 1:
//   - it returns at once; the first try starts straight away (at the current
//     loop time). A try is one call operation(done): the operation answers
//     later, exactly once, through done(error, value);
//   - a try that succeeds: handler({}, value), and no more tries;
//   - a try that fails while tries are left: wait, then try again. The waits
//     double: `backoff` after the first failure, 2 * backoff after the second,
//     4 * backoff after the third, ... Wait with reactor.call_after, never by
//     blocking (no sleep, no reactor.block_for): other tasks must keep running;
//   - after `attempts` tries in all, all failed: handler(last error, {}) at
//     once, with no wait after the last try;
//   - the handler is called exactly once, and once the loop is done nothing
//     is left alive (evo::live_handlers() is back where it was).

#include <functional>

#include "common/reactor.hpp"
#include "common/services.hpp"

namespace evo::exercises {

void retry(Reactor& reactor, int attempts, Duration backoff,
           std::function<void(Handler<int>)> operation, Handler<int> handler);

}  // namespace evo::exercises
