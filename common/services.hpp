#pragma once
// The two services the workflow calls, with a callback API in Asio's style:
// the handler is called exactly once, later, from the reactor, as
// handler(error_code, value). On error the value is default-constructed.
// "Later" holds for every answer, errors found at once included (an id below
// 1): a handler never runs inside the call that started its operation.
//
// This backend simulates the network with timers: a fetch arms a timer for
// the configured latency and answers when it fires. Failures are injected per
// user id. Stages 2 and 3 build their futures and awaiters on exactly this API.
//
// Cancellation (common/cancel.hpp): a fetch given a std::stop_token stops
// when the token is stopped: its timer is cancelled (no reply will come) and
// the handler runs at once, inside request_stop(), with errc::cancelled. A
// fetch started on a token stopped already answers errc::cancelled from the
// loop (posted). A fetch that has completed ignores the request.

#include <cstdint>
#include <set>
#include <stop_token>
#include <string>
#include <system_error>
#include <utility>

#include "cancel.hpp"
#include "errors.hpp"
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
  Services(Reactor& reactor, ServiceConfig config)
      : reactor_(reactor), config_(std::move(config)) {}

  Reactor& reactor() noexcept { return reactor_; }
  const ServiceConfig& config() const noexcept { return config_; }

  /// GET /api/user/{id}: answers after config().user_latency; stopping
  /// `stop` first makes it answer errc::cancelled instead (see above).
  void fetch_user(UserId id, Handler<User> handler, std::stop_token stop = {});
  /// GET /api/profile/{id}: answers after config().profile_latency.
  void fetch_profile(UserId id, Handler<Profile> handler, std::stop_token stop = {});

 private:
  Reactor& reactor_;
  ServiceConfig config_;
};

}  // namespace evo
