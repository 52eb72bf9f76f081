#pragma once
// Combinators on futures: spawn, when_all (a vector, or a list), with_timeout,
// and the loops repeat and do_until. They are stage 1's task start, join
// counter, race and re-arming handler, written once, generically.

#include <memory>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "common/cancel.hpp"
#include "common/reactor.hpp"
#include "future.hpp"

namespace evo::stage2 {

/// Runs f() as a new task under `label` (Reactor::spawn); f returns a Future<U>.
template <class F>
auto spawn(Reactor& reactor, std::string_view label, F f) -> std::invoke_result_t<F&> {
  using U = typename std::invoke_result_t<F&>::value_type;
  Promise<U> promise;
  Future<U> future = promise.get_future();
  reactor.spawn(label, [f = std::move(f), promise = std::move(promise)]() mutable {
    try {
      f().forward_to(std::move(promise));
    } catch (...) {
      // f threw: its exception leaves Reactor::run(). Drop the promise here,
      // so that its continuation is destroyed unrun rather than run with
      // broken_promise from a destructor while the exception unwinds.
      detail::DropScope dropping;
      Promise<U> doomed = std::move(promise);
      throw;
    }
  });
  return future;
}

namespace detail {
// What when_all gives back: the values in order, or nothing for Future<void>
// (as stage 3's when_all does for Task<void>).
template <class T>
using AllOf = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;
}  // namespace detail

/// Completes with every value, in input order, once all have arrived; or with
/// the first error as soon as it arrives. Futures have no way to stop the work
/// behind them, so the caller says how: if the future i was started with
/// children->token(i), the first error stops all of them (they fail with
/// errc::cancelled at once, unheard) before it answers. Without `children`,
/// the others run on and their results are dropped.
/// Over Future<void>s it is a Future<void>: "all done".
template <class T>
Future<detail::AllOf<T>> when_all(std::vector<Future<T>> futures,
                                  std::shared_ptr<ChildStops> children = nullptr) {
  struct Join {
    std::vector<Stored<T>> results;
    std::size_t left;
    std::shared_ptr<ChildStops> children;
    Promise<detail::AllOf<T>> promise;
    bool done = false;
  };
  auto join = std::make_shared<Join>(std::vector<Stored<T>>(futures.size()), futures.size(),
                                     std::move(children));
  Future<detail::AllOf<T>> result = join->promise.get_future();
  if (futures.empty()) join->promise.set_value();
  for (std::size_t i = 0; i < futures.size(); ++i) {
    std::move(futures[i]).on_complete([join, i](std::error_code ec, Stored<T> value) {
      if (join->done) return;  // an earlier error already answered
      if (ec) {
        join->done = true;
        if (join->children) join->children->request_stop();  // the others are no longer needed
        return join->promise.set_error(ec);
      }
      join->results[i] = std::move(value);
      if (--join->left == 0) {
        join->done = true;
        if constexpr (std::is_void_v<T>) {
          join->promise.set_value();
        } else {
          join->promise.set_value(std::move(join->results));
        }
      }
    });
  }
  return result;
}

/// The same over a fixed list of futures of any types: a Future<std::tuple<...>>.
template <class... Ts>
Future<std::tuple<detail::Stored<Ts>...>> when_all(Future<Ts>... futures) {
  using Tuple = std::tuple<detail::Stored<Ts>...>;
  struct Join {
    Tuple results;
    std::size_t left = sizeof...(Ts);
    Promise<Tuple> promise;
    bool done = false;
  };
  auto join = std::make_shared<Join>();
  Future<Tuple> result = join->promise.get_future();
  if constexpr (sizeof...(Ts) == 0) join->promise.set_value();
  auto start = [&join]<std::size_t I>(auto future, std::integral_constant<std::size_t, I>) {
    std::move(future).on_complete([join](std::error_code ec, auto value) {
      if (join->done) return;
      if (ec) {
        join->done = true;
        return join->promise.set_error(ec);
      }
      std::get<I>(join->results) = std::move(value);
      if (--join->left == 0) {
        join->done = true;
        join->promise.set_value(std::move(join->results));
      }
    });
  };
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (start(std::move(futures), std::integral_constant<std::size_t, I>{}), ...);
  }
  (std::index_sequence_for<Ts...>{});
  return result;
}

/// Completes like `future`, or with errc::timeout after `timeout`, whichever
/// comes first. A timer that lost is cancelled. A future that lost is stopped
/// through `loser` if it was started with loser->token(0) (it fails with
/// errc::cancelled at once, unheard); without `loser` it runs on, and its late
/// value finds the race decided and is dropped.
template <class T>
Future<T> with_timeout(Reactor& reactor, Future<T> future, Duration timeout,
                       std::shared_ptr<ChildStops> loser = nullptr) {
  struct Race {
    std::shared_ptr<ChildStops> loser;
    Promise<T> promise;
    TimerId timer;
    bool done = false;
  };
  auto race = std::make_shared<Race>(std::move(loser));
  Future<T> result = race->promise.get_future();
  std::move(future).on_complete([&reactor, race](std::error_code ec, detail::Stored<T> value) {
    if (race->done) return;  // too late: the caller already got errc::timeout
    race->done = true;
    reactor.cancel(race->timer);
    race->promise.complete(ec, std::move(value));
  });
  if (race->done) return result;  // it answered already: no race to run
  race->timer = reactor.call_after(
      timeout,
      [race] {
        if (race->done) return;
        race->done = true;
        if (race->loser) race->loser->request_stop();  // nothing runs on after the deadline
        race->promise.set_error(errc::timeout);
      },
      "timeout");
  return result;
}

/// What a repeat() step answers: go round again, or stop.
enum class Repeat { again, stop };

namespace detail {

template <class Loop>
void next_round(std::shared_ptr<Loop> loop) {
  Future<Repeat> step = loop->step();
  std::move(step).on_complete([loop = std::move(loop)](std::error_code ec, Repeat next) mutable {
    if (ec) return loop->done.set_error(ec);
    if (next == Repeat::stop) return loop->done.set_value();
    // Not a nested call that grows: if `step` answered at once, the
    // trampoline (future.cpp) runs this round after the current one returns.
    next_round(std::move(loop));
  });
}

}  // namespace detail

/// The stage-2 way to loop (Seastar's repeat): calls step() (which returns a
/// Future<Repeat>), waits for it, and again, until a step answers
/// Repeat::stop; then the returned future completes. A step's error ends the
/// loop with that error.
///
/// Why not recursion, `step().then([] { return loop(); })`? Each iteration's
/// `then` would wait for the next iteration's future: every state stays alive
/// until the last step, and then they complete one by one. Here each round's
/// future is consumed by the next round: a loop keeps one state per step in
/// flight, whatever its length.
template <class F>
Future<void> repeat(F step) {
  struct Loop {
    F step;
    Promise<void> done;
  };
  auto loop = std::make_shared<Loop>(std::move(step));
  Future<void> result = loop->done.get_future();
  detail::next_round(std::move(loop));
  return result;
}

/// Seastar's do_until: until stop() says true, runs step() (a Future<void>)
/// and waits for it. stop() is asked before every step, the first included.
template <class Stop, class F>
Future<void> do_until(Stop stop, F step) {
  return repeat([stop = std::move(stop), step = std::move(step)]() mutable {
    if (stop()) return make_ready_future(Repeat::stop);
    return step().then([] { return Repeat::again; });
  });
}

}  // namespace evo::stage2
