#pragma once
// What the stages' Asio workflows build on, besides the two services: start
// an operation as a new task (async_spawn, spawn), wait for all of many
// (when_all), race one against a timer (with_timeout). Each is an initiating
// function too, so a stage completes it with the token it uses.
//
// An "operation" here is an Asio deferred operation: a function object that
// starts the work when called with a completion handler, such as
// `async_fetch_user(services, id, asio::deferred)` or
// `asio::co_spawn(executor, task(), asio::deferred)`. Its completion
// signature is void(E, T), E an error_code or a std::exception_ptr.

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <string>
#include <system_error>
#include <vector>

#include "asio_services.hpp"
#include "errors.hpp"

namespace evo::asio_engine {
namespace detail {

template <class Signature>
struct Parts;
template <class E, class T>
struct Parts<void(E, T)> {
  using error = E;
  using value = T;
};
template <class Op>
using ErrorOf = typename Parts<asio::completion_signature_of_t<Op>>::error;
template <class Op>
using ValueOf = typename Parts<asio::completion_signature_of_t<Op>>::value;

template <class E>
E timeout_error() {
  error_code ec{std::error_code(errc::timeout)};
  if constexpr (std::is_same_v<E, std::exception_ptr>) {
    return std::make_exception_ptr(boost::system::system_error(ec));
  } else {
    return ec;
  }
}

}  // namespace detail

/// Starts `op` as a new task named `label`: like Reactor::spawn, it is posted
/// and starts on a later turn of the loop. Completes with what `op` completes.
template <class Op, class Token>
auto async_spawn(Services& services, std::string label, Op op, Token&& token) {
  return asio::async_initiate<Token, asio::completion_signature_of_t<Op>>(
      [](auto handler, Loop* loop, std::string label, Op op) {
        // The handler keeps its associations (cancellation slot, executor).
        loop->spawn(label, [op = std::move(op), handler = std::move(handler)]() mutable {
          std::move(op)(std::move(handler));
        });
      },
      token, &services.loop(), std::move(label), std::move(op));
}

/// Stage 3's spawn: the awaitable `task`, started as a new task named `label`.
template <class T>
asio::awaitable<T> spawn(Services& services, std::string label, asio::awaitable<T> task) {
  auto started = asio::co_spawn(services.loop().executor(), std::move(task), asio::deferred);
  co_return co_await async_spawn(services, std::move(label), std::move(started),
                                 asio::use_awaitable);
}

/// Runs every op of `ops` at once; completes with (E, std::vector<T>): the
/// first error to happen, else every value in the order of `ops`. The first
/// error cancels the others (wait_for_one_error). With no ops it completes,
/// posted as Asio's rule wants, with an empty vector.
template <class Op, class Token>
auto when_all(Services& services, std::vector<Op> ops, Token&& token) {
  using E = detail::ErrorOf<Op>;
  using T = detail::ValueOf<Op>;
  return asio::async_initiate<Token, void(E, std::vector<T>)>(
      [](auto handler, Loop* loop, std::vector<Op> ops) {
        if (ops.empty()) {
          return loop->post([handler = std::move(handler)]() mutable {
            std::move(handler)(E{}, std::vector<T>{});
          });
        }
        auto slot = asio::get_associated_cancellation_slot(handler);
        asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_one_error(),
                        asio::bind_cancellation_slot(
                            slot, [handler = std::move(handler)](auto order, auto errors,
                                                                 auto values) mutable {
                              for (std::size_t i : order) {
                                if (errors[i])
                                  return std::move(handler)(errors[i], std::vector<T>{});
                              }
                              std::move(handler)(E{}, std::vector<T>(std::move(values)));
                            }));
      },
      token, &services.loop(), std::move(ops));
}

/// Races `op` against a timer of `timeout`: whichever finishes first wins, and
/// the other is cancelled through its cancellation slot (wait_for_one).
/// Completes with op's (E, T), or errc::timeout if the timer won.
template <class Op, class Token>
auto with_timeout(Services& services, Op op, Duration timeout, Token&& token) {
  using E = detail::ErrorOf<Op>;
  using T = detail::ValueOf<Op>;
  return asio::async_initiate<Token, void(E, T)>(
      [](auto handler, Services* services, Op op, Duration timeout) {
        auto slot = asio::get_associated_cancellation_slot(handler);
        asio::experimental::make_parallel_group(
            std::move(op), async_sleep(*services, timeout, asio::deferred, "timeout"))
            .async_wait(
                asio::experimental::wait_for_one(),
                asio::bind_cancellation_slot(
                    slot, [handler = std::move(handler)](std::array<std::size_t, 2> order, E error,
                                                         T value, error_code) mutable {
                      if (order[0] == 1) {
                        return std::move(handler)(detail::timeout_error<E>(), T{});
                      }
                      std::move(handler)(error, std::move(value));
                    }));
      },
      token, &services, std::move(op), timeout);
}

/// The handler that ends a co_spawn, from the caller's Handler<T>: a system
/// error (Boost's or std's) becomes its error_code; any other exception is a
/// bug in the workflow, rethrown so that it leaves Loop::run().
template <class T>
auto as_handler(Handler<T> handler) {
  return [handler = std::move(handler)](std::exception_ptr error, T value) mutable {
    if (!error) return handler({}, std::move(value));
    std::error_code ec;
    try {
      std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
      ec = e.code();
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    handler(ec, T{});
  };
}

}  // namespace evo::asio_engine
