#pragma once
// The two services the workflow calls, with a callback API in Asio's style:
// the handler is called exactly once, later, from the reactor, as
// handler(error_code, value). On error the value is default-constructed.
// "Later" holds for every answer, errors found at once included (an id below
// 1): a handler never runs inside the call that started its operation.
//
// Two backends behind the same calls. The simulated one (the default) stands
// for the network with timers: a fetch arms a timer for the configured latency
// and answers when it fires; failures are injected per user id. The HTTP one
// (ServiceConfig::backend, common/http_services.cpp) sends GET requests to a
// real server through http::Client: the fetch waits on a socket instead of a
// timer, and the handler is the same. Stages 2 and 3 build their futures and
// awaiters on exactly this API, so they never know which backend answers.
//
// Cancellation (common/cancel.hpp): a fetch given a std::stop_token stops
// when the token is stopped: the simulated fetch cancels its timer (no reply
// will come), the HTTP fetch cancels its request in http::Client (a queued
// one is never sent; one in flight has its connection closed, so no late
// answer or timeout follows), and the handler runs at once, inside request_stop(), with
// errc::cancelled. A fetch started on a token stopped already answers
// errc::cancelled from the loop (posted). A fetch that has completed ignores
// the request.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <system_error>
#include <utility>

#include "cancel.hpp"
#include "errors.hpp"
#include "http_client.hpp"
#include "reactor.hpp"
#include "unique_function.hpp"

namespace evo {

using UserId = std::int64_t;

struct User {
  UserId id = 0;
  std::string name;
};

struct Profile {
  UserId user_id = 0;
  std::string bio;
};

struct UserProfile {
  User user;
  Profile profile;
};

/// Asio's completion-handler shape: called once with (error, value).
template <class T>
using Handler = UniqueFunction<void(std::error_code, T)>;

struct ServiceConfig {
  Duration user_latency = std::chrono::milliseconds(200);
  Duration profile_latency = std::chrono::milliseconds(300);
  std::set<UserId> failing_users;     ///< fetch_user answers errc::user_not_found
  std::set<UserId> failing_profiles;  ///< fetch_profile answers errc::profile_not_found
  /// nullopt: the simulated backend above. Else fetch over HTTP from this
  /// server; the latencies and failures are then the server's, not these.
  std::optional<http::Endpoint> backend;
  /// HTTP only: how long one request may take, from the call to its last
  /// byte, time queued for a connection included (--timeout sets it).
  Duration request_deadline = std::chrono::seconds(5);
  /// HTTP only: connections open at once; more requests queue behind them.
  std::size_t max_connections = http::ClientOptions{}.max_connections;
};

/// Calls handler({}, value) from the loop, in a later ready phase, and never
/// before it returns: how an operation whose answer is known at once (an
/// empty fetch_all) still keeps Asio's rule. Stage 1's README says why.
template <class T>
void post_result(Reactor& reactor, T value, Handler<T> handler) {
  reactor.post([value = std::move(value), handler = std::move(handler)]() mutable {
    handler({}, std::move(value));
  });
}

/// What the simulated server answers for an id: an error for an id that
/// cannot exist or is set to fail, else the record. Both engines (this
/// reactor's timers, and Boost.Asio's in asio_services) deliver these answers.
std::pair<std::error_code, User> simulated_user(const ServiceConfig& config, UserId id);
std::pair<std::error_code, Profile> simulated_profile(const ServiceConfig& config, UserId id);

/// Must outlive every fetch it started: a pending fetch refers to it.
class Services {
 public:
  Services(Reactor& reactor, ServiceConfig config);
  ~Services();

  Reactor& reactor() noexcept { return reactor_; }
  const ServiceConfig& config() const noexcept { return config_; }

  /// GET /api/user/{id}: answers after config().user_latency (simulated), or
  /// when the server's answer has arrived (HTTP); stopping `stop` first makes
  /// it answer errc::cancelled instead (see above).
  void fetch_user(UserId id, Handler<User> handler, std::stop_token stop = {});
  /// GET /api/profile/{id}: answers after config().profile_latency, or over HTTP.
  void fetch_profile(UserId id, Handler<Profile> handler, std::stop_token stop = {});

  /// HTTP backend: what the last failed fetch knew beyond its error code (the
  /// request, and the client's or the decoder's reason); "" otherwise.
  const std::string& error_detail() const noexcept { return error_detail_; }
  /// HTTP backend: the most connections that were open at once (0 on sim).
  std::size_t peak_connections() const noexcept;

 private:
  // The HTTP backend's half, in common/http_services.cpp.
  void fetch_user_http(UserId id, Handler<User> handler, std::stop_token stop);
  void fetch_profile_http(UserId id, Handler<Profile> handler, std::stop_token stop);

  Reactor& reactor_;
  ServiceConfig config_;
  std::unique_ptr<http::Client> client_;  // only with a backend
  std::string error_detail_;
};

}  // namespace evo
