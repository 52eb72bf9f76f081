#pragma once
// Combinators on futures: when_all (a vector, or a list) and with_timeout.
// They are stage 1's join counter and race, written once, generically.

#include <memory>
#include <tuple>
#include <vector>

#include "future.hpp"

namespace evo::stage2 {

/// Completes with every value, in input order, once all have arrived; or with
/// the first error as soon as it arrives (the later results are dropped).
template <class T>
Future<std::vector<T>> when_all(std::vector<Future<T>> futures) {
  struct Join {
    std::vector<T> results;
    std::size_t left;
    Promise<std::vector<T>> promise;
    bool done = false;
  };
  auto join = std::make_shared<Join>(std::vector<T>(futures.size()), futures.size());
  Future<std::vector<T>> result = join->promise.get_future();
  if (futures.empty()) join->promise.set_value();
  for (std::size_t i = 0; i < futures.size(); ++i) {
    std::move(futures[i]).on_complete([join, i](std::error_code ec, T value) {
      if (join->done) return;  // an earlier error already answered
      if (ec) {
        join->done = true;
        return join->promise.set_error(ec);
      }
      join->results[i] = std::move(value);
      if (--join->left == 0) {
        join->done = true;
        join->promise.set_value(std::move(join->results));
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
/// comes first. The loser is harmless: a late value finds the race decided
/// and is dropped; a timer that lost is cancelled.
template <class T>
Future<T> with_timeout(Reactor& reactor, Future<T> future, Duration timeout) {
  struct Race {
    Promise<T> promise;
    TimerId timer;
    bool done = false;
  };
  auto race = std::make_shared<Race>();
  Future<T> result = race->promise.get_future();
  std::move(future).on_complete([&reactor, race](std::error_code ec, detail::Stored<T> value) {
    if (race->done) return;  // too late: the caller already got errc::timeout
    race->done = true;
    reactor.cancel(race->timer);
    race->promise.complete(ec, std::move(value));
  });
  if (race->done) return result;  // it was ready already: no race to run
  race->timer = reactor.call_after(
      timeout,
      [race] {
        if (race->done) return;
        race->done = true;
        race->promise.set_error(errc::timeout);
      },
      "timeout");
  return result;
}

}  // namespace evo::stage2
