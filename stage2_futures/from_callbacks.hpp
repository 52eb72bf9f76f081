#pragma once
// From stage 1's world into stage 2's: a callback-style operation op(handler)
// becomes a Future. The services' wrappers (async_services.hpp) and sleep_for
// are all made this way.

#include "common/reactor.hpp"
#include "common/services.hpp"
#include "future.hpp"

namespace evo::stage2 {

/// Turns a callback-style operation op(handler) into a future: the bridge
/// from the services' API into stage 2's. The handler owns the promise, so a
/// handler dropped unrun breaks the future (errc::broken_promise).
///
/// If op throws, the exception leaves make_future and no future is returned.
/// Asio's rule is that an initiating function that throws has not taken the
/// handler; if op broke it (kept the handler, then threw), that handler
/// completes a promise nobody listens to, and nothing runs.
template <class T, class Op>
Future<T> make_future(Op op) {
  Promise<T> promise;
  Future<T> future = promise.get_future();
  op(Handler<T>([promise = std::move(promise)](std::error_code ec, T value) mutable {
    promise.complete(ec, std::move(value));
  }));
  return future;
}

/// A future that completes after `delay`, through a reactor timer.
inline Future<void> sleep_for(Reactor& reactor, Duration delay) {
  Promise<void> promise;
  Future<void> future = promise.get_future();
  reactor.call_after(delay, [promise = std::move(promise)]() mutable { promise.set_value(); });
  return future;
}

}  // namespace evo::stage2
