#include "asio_services.hpp"

namespace evo::asio_engine {

Services::Services(Loop& loop, ServiceConfig config) : loop_(loop), config_(std::move(config)) {
  if (config_.backend) http_ = std::make_unique<HttpBackend>(loop_, config_);
}

Services::~Services() = default;

// evo::errc is a std::error_code enum; boost::system::error_code carries a
// std::error_code unchanged, and converts back to the same one.
std::pair<error_code, User> Services::answer_user(UserId id) const {
  auto [error, user] = simulated_user(config_, id);  // the same answers as common/services.cpp
  return {error, std::move(user)};
}

std::pair<error_code, Profile> Services::answer_profile(UserId id) const {
  auto [error, profile] = simulated_profile(config_, id);
  return {error, std::move(profile)};
}

}  // namespace evo::asio_engine
