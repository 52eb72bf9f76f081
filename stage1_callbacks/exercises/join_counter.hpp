#pragma once
// Exercise (stage 1, callbacks): fan-out with a join counter, the pattern behind
// stage1::fetch_all ("The join counter" in stage1_callbacks/README.md).
//
// Contract of fetch_names(services, ids, handler):
//   - it returns at once, and the handler is called later, from the loop,
//     on every path (Asio's rule: never inside the initiating call);
//   - it asks services.fetch_user for EVERY id straight away, before any reply
//     comes back: the whole fan-out takes one user latency, not one per id;
//   - when every user has arrived: handler({}, names), where names[i] is the
//     name of ids[i], whatever order the replies came back in;
//   - on an error: handler(error, {}) for the FIRST error, as soon as it
//     arrives (from the callback that brings it, without waiting for the
//     other replies); the replies still on their way are dropped when they
//     come, and must touch nothing that has been freed;
//   - with no ids: handler({}, {}) too, posted to the loop
//     (evo::post_result), not called before fetch_names returns;
//   - on every path the handler is called exactly once, and once the loop is
//     done nothing is left alive (evo::live_handlers() is back where it was).

#include <string>
#include <vector>

#include "common/services.hpp"

namespace evo::exercises {

void fetch_names(Services& services, std::vector<UserId> ids,
                 Handler<std::vector<std::string>> handler);

}  // namespace evo::exercises
