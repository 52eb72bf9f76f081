#include "asio_services.hpp"

#include <array>

#include "errors.hpp"

namespace evo::asio_engine {
namespace {

// The same names as common/services.cpp, so both engines tell the same story.
std::string name_of(UserId id) {
  static constexpr std::array names{"Ada",     "Grace", "Barbara",  "Dennis",
                                    "Frances", "Ken",   "Margaret", "Bjarne"};
  return names[static_cast<std::size_t>(id) % names.size()];
}

}  // namespace

// evo::errc is a std::error_code enum; boost::system::error_code carries a
// std::error_code unchanged, and converts back to the same one.
std::pair<error_code, User> Services::answer_user(UserId id) const {
  if (id <= 0 || config_.failing_users.contains(id)) {
    return {std::error_code(errc::user_not_found), User{}};
  }
  return {{}, User{id, name_of(id)}};
}

std::pair<error_code, Profile> Services::answer_profile(UserId id) const {
  if (id <= 0 || config_.failing_profiles.contains(id)) {
    return {std::error_code(errc::profile_not_found), Profile{}};
  }
  return {{}, Profile{id, name_of(id) + " writes async C++"}};
}

}  // namespace evo::asio_engine
