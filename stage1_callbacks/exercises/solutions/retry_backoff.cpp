// Reference solution for retry_backoff: a loop written as callbacks. Each try
// and each wait is one step; the state the steps share lives in a shared_ptr
// that every pending callback holds.
#include "stage1_callbacks/exercises/retry_backoff.hpp"

#include <memory>
#include <utility>

namespace evo::exercises {
namespace {

struct Retry {
  Reactor& reactor;
  int tries_left;
  Duration wait;
  std::function<void(Handler<int>)> operation;
  Handler<int> handler;
};

void try_once(std::shared_ptr<Retry> state) {
  Retry& r = *state;
  r.operation([state = std::move(state)](std::error_code ec, int value) {  // suspends
    if (!ec) return state->handler({}, value);
    if (--state->tries_left == 0) return state->handler(ec, {});  // the last error
    // Wait on the loop, not on the thread: call_after returns at once, and the
    // next try starts from the timer's callback.
    Duration wait = std::exchange(state->wait, state->wait * 2);
    auto again = [state] { try_once(state); };
    state->reactor.call_after(wait, std::move(again), "backoff");  // suspends
  });
}

}  // namespace

void retry(Reactor& reactor, int attempts, Duration backoff,
           std::function<void(Handler<int>)> operation, Handler<int> handler) {
  try_once(std::make_shared<Retry>(reactor, attempts, backoff, std::move(operation),
                                   std::move(handler)));
}

}  // namespace evo::exercises
