#include "services.hpp"

#include <array>

#include "errors.hpp"

namespace evo {
namespace {

std::string name_of(UserId id) {
  static constexpr std::array names{"Ada",     "Grace", "Barbara",  "Dennis",
                                    "Frances", "Ken",   "Margaret", "Bjarne"};
  return names[static_cast<std::size_t>(id) % names.size()];
}

}  // namespace

std::pair<std::error_code, User> simulated_user(const ServiceConfig& config, UserId id) {
  if (id <= 0 || config.failing_users.contains(id)) return {errc::user_not_found, User{}};
  return {{}, User{id, name_of(id)}};
}

std::pair<std::error_code, Profile> simulated_profile(const ServiceConfig& config, UserId id) {
  if (id <= 0 || config.failing_profiles.contains(id)) return {errc::profile_not_found, Profile{}};
  return {{}, Profile{id, name_of(id) + " writes async C++"}};
}

void Services::fetch_user(UserId id, Handler<User> handler) {
  if (client_) return fetch_user_http(id, std::move(handler));
  // The timer stands for the round trip. Nothing runs until it fires: this
  // function returns at once, which is what makes the caller's code "async".
  // Even an id that cannot exist is answered from the timer, never from in
  // here: a handler never runs inside the call that started it (Asio's rule).
  reactor_.call_after(
      config_.user_latency,
      [this, id, handler = std::move(handler)]() mutable {
        auto [error, user] = simulated_user(config_, id);
        handler(error, std::move(user));
      },
      "fetch_user");
}

void Services::fetch_profile(UserId id, Handler<Profile> handler) {
  if (client_) return fetch_profile_http(id, std::move(handler));
  reactor_.call_after(
      config_.profile_latency,
      [this, id, handler = std::move(handler)]() mutable {
        auto [error, profile] = simulated_profile(config_, id);
        handler(error, std::move(profile));
      },
      "fetch_profile");
}

}  // namespace evo
