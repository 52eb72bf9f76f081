#pragma once
// The two services on Boost.Asio, each written ONCE as an initiating function
// (asio::async_initiate). What the caller gets back depends only on the
// completion token it passes as the last argument:
//
//   async_fetch_user(services, 42, [](error_code ec, User user) {...});  // stage 1: a callback
//   async_fetch_user(services, 42, asio::deferred)     // stage 2: an operation to launch later
//   co_await async_fetch_user(services, 42, asio::use_awaitable);        // stage 3: a coroutine
//
// That is "co_await is sugar over callbacks" as a production library spells it.
// Same latencies, failures and error codes (evo::errc) as common/services.cpp;
// the completion signature is void(error_code, T). The handler runs exactly
// once, later, from the io_context, never inside the initiating call.
// Cancellation: if the handler has a cancellation slot (an awaitable_operator,
// a parallel_group), a cancel request disarms the timer and the handler gets
// asio::error::operation_aborted.
//
// With ServiceConfig::backend set, the same two functions GET from a real
// server instead (common/asio_http.hpp, Beast on Asio's sockets); the token,
// the signature and the cancellation contract stay exactly as above.

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <memory>
#include <string>
#include <utility>

#include "asio_http.hpp"
#include "asio_loop.hpp"
#include "services.hpp"

namespace evo::asio_engine {

/// Must outlive every fetch it started, like evo::Services.
class Services {
 public:
  Services(Loop& loop, ServiceConfig config);
  ~Services();

  Loop& loop() noexcept { return loop_; }
  const ServiceConfig& config() const noexcept { return config_; }

  /// What the servers answer once the latency has passed (as common/services.cpp).
  std::pair<error_code, User> answer_user(UserId id) const;
  std::pair<error_code, Profile> answer_profile(UserId id) const;

  /// The HTTP backend, or null for the simulated one.
  HttpBackend* http() noexcept { return http_.get(); }

 private:
  Loop& loop_;
  ServiceConfig config_;
  std::unique_ptr<HttpBackend> http_;
};

namespace detail {

// The one body behind every operation here: arm a timer for `delay`; when it
// fires (or is cancelled), `complete(handler, ec)` answers the handler. The
// timer lives in the completion lambda, so it dies with the operation.
template <class Handler, class Complete>
void start_timed(Loop& loop, Duration delay, std::string_view what, Handler handler,
                 Complete complete) {
  auto timer = std::make_unique<Timer>(loop.executor(), delay);
  Timer& waiting = *timer;
  auto slot = asio::get_associated_cancellation_slot(handler);
  waiting.async_wait(asio::bind_cancellation_slot(
      slot, loop.wrap_timer(delay, what,
                            [timer = std::move(timer), handler = std::move(handler),
                             complete = std::move(complete), slot](error_code ec) mutable {
                              // The slot still points at this timer: unhook it first.
                              if (slot.is_connected()) slot.clear();
                              complete(std::move(handler), ec);
                            })));
}

// Answers (error, value) once the latency has passed; a cancelled fetch
// answers operation_aborted and a default value.
template <class T, class Answer>
auto answer_with(Answer answer) {
  return [answer](auto handler, error_code ec) {
    if (ec) return std::move(handler)(ec, T{});
    auto [error, value] = answer();
    std::move(handler)(error, std::move(value));
  };
}

// The HTTP backend's body: HttpBackend does the request; here the handler's
// cancellation slot, if any, is hooked to it. `get` starts the request with a
// plain callback and returns its id.
template <class T, class Handler, class Get>
void start_http(HttpBackend& http, Handler handler, Get get) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  std::uint64_t request = get([handler = std::move(handler), slot](error_code ec, T value) mutable {
    if (slot.is_connected()) slot.clear();
    std::move(handler)(ec, std::move(value));
  });
  if (slot.is_connected()) {
    slot.assign([&http, request](asio::cancellation_type) { http.cancel(request); });
  }
}

}  // namespace detail

/// Waits `delay`; completes with void(error_code). `what` names the timer in
/// the trace (a literal: it must outlive the timer).
template <class Token>
auto async_sleep(Services& services, Duration delay, Token&& token,
                 std::string_view what = "timer") {
  return asio::async_initiate<Token, void(error_code)>(
      [](auto handler, Loop* loop, Duration delay, std::string_view what) {
        detail::start_timed(*loop, delay, what, std::move(handler),
                            [](auto handler, error_code ec) { std::move(handler)(ec); });
      },
      token, &services.loop(), delay, what);
}

/// GET /api/user/{id}: completes with void(error_code, User) after the user
/// latency, or when the server has answered (HTTP backend).
template <class Token>
auto async_fetch_user(Services& services, UserId id, Token&& token) {
  return asio::async_initiate<Token, void(error_code, User)>(
      [](auto handler, Services* services, UserId id) {
        if (HttpBackend* http = services->http()) {
          return detail::start_http<User>(*http, std::move(handler), [http, id](auto done) {
            return http->get_user(id, std::move(done));
          });
        }
        detail::start_timed(
            services->loop(), services->config().user_latency, "fetch_user", std::move(handler),
            detail::answer_with<User>([services, id] { return services->answer_user(id); }));
      },
      token, &services, id);
}

/// GET /api/profile/{id}: completes with void(error_code, Profile).
template <class Token>
auto async_fetch_profile(Services& services, UserId id, Token&& token) {
  return asio::async_initiate<Token, void(error_code, Profile)>(
      [](auto handler, Services* services, UserId id) {
        if (HttpBackend* http = services->http()) {
          return detail::start_http<Profile>(*http, std::move(handler), [http, id](auto done) {
            return http->get_profile(id, std::move(done));
          });
        }
        detail::start_timed(services->loop(), services->config().profile_latency, "fetch_profile",
                            std::move(handler), detail::answer_with<Profile>([services, id] {
                              return services->answer_profile(id);
                            }));
      },
      token, &services, id);
}

}  // namespace evo::asio_engine
