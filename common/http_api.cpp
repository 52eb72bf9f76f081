#include "http_api.hpp"

#include <boost/json.hpp>

#include "errors.hpp"

namespace evo::http_api {
namespace json = boost::json;
namespace {

void explain(std::string* why, std::string text) {
  if (why) *why = std::move(text);
}

// The shared part of both decoders: the status, then a JSON object. Returns
// the object, or null with `error` set.
const json::object* parse_object(unsigned status, std::string_view body, errc not_found,
                                 json::value& storage, std::error_code& error, std::string* why) {
  if (status == 404) {
    error = not_found;
    return nullptr;
  }
  if (status != 200) {
    error = errc::bad_response;
    explain(why, "status " + std::to_string(status) + ", expected 200 or 404");
    return nullptr;
  }
  json::error_code parse_error;
  storage = json::parse(body, parse_error);
  if (parse_error) {
    error = errc::bad_response;
    explain(why, "the body is not JSON (" + parse_error.message() + ")");
    return nullptr;
  }
  if (!storage.is_object()) {
    error = errc::bad_response;
    explain(why, "the body is JSON but not an object");
    return nullptr;
  }
  return &storage.as_object();
}

// A field of the expected type, or a message saying what is wrong with it.
template <class T>
bool read_field(const json::object& object, std::string_view name, T& out, std::string* why) {
  const json::value* field = object.if_contains(name);
  if (!field) {
    explain(why, "field \"" + std::string(name) + "\" is missing");
    return false;
  }
  if constexpr (std::is_same_v<T, std::string>) {
    if (!field->is_string()) {
      explain(why, "field \"" + std::string(name) + "\" is not a string");
      return false;
    }
    out = std::string(field->as_string());
  } else {
    if (!field->is_int64()) {
      explain(why, "field \"" + std::string(name) + "\" is not an integer");
      return false;
    }
    out = field->as_int64();
  }
  return true;
}

}  // namespace

std::string user_target(UserId id) {
  return "/api/user/" + std::to_string(id);
}
std::string profile_target(UserId id) {
  return "/api/profile/" + std::to_string(id);
}

std::string user_json(const User& user) {
  return json::serialize(json::object{{"id", user.id}, {"name", user.name}});
}

std::string profile_json(const Profile& profile) {
  return json::serialize(json::object{{"user_id", profile.user_id}, {"bio", profile.bio}});
}

std::string error_json(std::error_code error, UserId id) {
  return json::serialize(json::object{{"error", error.message()}, {"id", id}});
}

std::pair<std::error_code, User> decode_user(unsigned status, std::string_view body,
                                             std::string* why) {
  json::value storage;
  std::error_code error;
  const json::object* object =
      parse_object(status, body, errc::user_not_found, storage, error, why);
  if (!object) return {error, User{}};
  User user;
  if (!read_field(*object, "id", user.id, why) || !read_field(*object, "name", user.name, why))
    return {errc::bad_response, User{}};
  return {{}, std::move(user)};
}

std::pair<std::error_code, Profile> decode_profile(unsigned status, std::string_view body,
                                                   std::string* why) {
  json::value storage;
  std::error_code error;
  const json::object* object =
      parse_object(status, body, errc::profile_not_found, storage, error, why);
  if (!object) return {error, Profile{}};
  Profile profile;
  if (!read_field(*object, "user_id", profile.user_id, why) ||
      !read_field(*object, "bio", profile.bio, why))
    return {errc::bad_response, Profile{}};
  return {{}, std::move(profile)};
}

}  // namespace evo::http_api
