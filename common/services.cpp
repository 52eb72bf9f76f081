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

void Services::fetch_user(UserId id, Handler<User> handler) {
  // The timer stands for the round trip. Nothing runs until it fires: this
  // function returns at once, which is what makes the caller's code "async".
  // Even an id that cannot exist is answered from the timer, never from in
  // here: a handler never runs inside the call that started it (Asio's rule).
  reactor_.call_after(
      config_.user_latency,
      [this, id, handler = std::move(handler)]() mutable {
        if (id <= 0 || config_.failing_users.contains(id)) {
          return handler(errc::user_not_found, User{});
        }
        handler({}, User{id, name_of(id)});
      },
      "fetch_user");
}

void Services::fetch_profile(UserId id, Handler<Profile> handler) {
  reactor_.call_after(
      config_.profile_latency,
      [this, id, handler = std::move(handler)]() mutable {
        if (id <= 0 || config_.failing_profiles.contains(id)) {
          return handler(errc::profile_not_found, Profile{});
        }
        handler({}, Profile{id, name_of(id) + " writes async C++"});
      },
      "fetch_profile");
}

}  // namespace evo
