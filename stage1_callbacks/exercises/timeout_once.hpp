#pragma once
// Exercise (stage 1, callbacks): a timeout whose handler fires exactly once,
// the race behind stage1::fetch_with_timeout ("Exactly once, under a timeout"
// in stage1_callbacks/README.md).
//
// Contract of fetch_user_within(services, id, timeout, handler):
//   - it returns at once; it starts services.fetch_user(id) and a deadline
//     `timeout` from now, kept by a reactor timer (call_after), never by
//     blocking; the handler is called later, from the loop, exactly once;
//   - if fetch_user answers first: handler(ec, user) with what it answered,
//     its errors passed through unchanged; the deadline's timer is then
//     cancelled, so the loop does not wait for it: run() returns as soon as
//     the reply has been handled;
//   - if the deadline comes first: handler(errc::timeout, {}) at the deadline;
//     the reply that comes later is dropped, and must touch nothing that has
//     been freed;
//   - once the loop is done nothing is left alive (evo::live_handlers() is
//     back where it was).

#include "common/services.hpp"

namespace evo::exercises {

void fetch_user_within(Services& services, UserId id, Duration timeout, Handler<User> handler);

}  // namespace evo::exercises
