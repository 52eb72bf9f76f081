#include "routes.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <optional>

#include "common/http_api.hpp"

namespace evo::user_service {
namespace {

// "/api/user/42" with prefix "/api/user/" -> 42; no match -> nullopt.
std::optional<UserId> id_after(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  std::string_view digits = path.substr(prefix.size());
  UserId id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return id;
}

std::string error_body(std::string_view error, std::string_view key, std::string_view value) {
  return boost::json::serialize(boost::json::object{{"error", error}, {key, value}});
}

}  // namespace

Answer answer(const ServiceConfig& config, std::string_view method, std::string_view target) {
  if (method != "GET") return {405, error_body("method not allowed", "method", method)};
  std::string_view path = target.substr(0, target.find('?'));

  if (auto id = id_after(path, "/api/user/")) {
    auto [error, user] = simulated_user(config, *id);
    if (error) return {404, http_api::error_json(error, *id), config.user_latency};
    return {200, http_api::user_json(user), config.user_latency};
  }
  if (auto id = id_after(path, "/api/profile/")) {
    auto [error, profile] = simulated_profile(config, *id);
    if (error) return {404, http_api::error_json(error, *id), config.profile_latency};
    return {200, http_api::profile_json(profile), config.profile_latency};
  }
  return {404, error_body("no such path", "path", path)};
}

Answer refusal(unsigned status, std::string_view error) {
  return {status, boost::json::serialize(boost::json::object{{"error", error}})};
}

}  // namespace evo::user_service
