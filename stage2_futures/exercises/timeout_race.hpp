#pragma once
// Exercise (stage 2): a timeout as a race between two futures.
//
// Contract of within(reactor, future, timeout):
//   - if `future` completes before `timeout` has passed (loop time), the
//     result completes with what it completed with (its value, or its error)
//     right then, and the deadline's timer is cancelled: the loop must not
//     wait for a deadline nobody needs (run() returns as soon as the work is
//     done);
//   - otherwise the result completes with errc::timeout at the deadline
//     (a reactor timer, never a blocked thread), and whatever `future`
//     delivers later is dropped safely: no second completion, no crash, no leak;
//   - completes exactly once, even when the value and the deadline land in
//     the same turn of the loop;
//   - leaves no shared state and no callback behind.
// stage2::with_timeout (combinators.hpp) does this; write your own.

#include "common/reactor.hpp"
#include "stage2_futures/future.hpp"

namespace evo::exercises {

stage2::Future<int> within(Reactor& reactor, stage2::Future<int> future, Duration timeout);

}  // namespace evo::exercises
