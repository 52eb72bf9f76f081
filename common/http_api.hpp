#pragma once
// The HTTP API of the user service, in one place: the paths, the JSON each
// answer carries, and what an answer means as (error, value). The server
// (user_service/) encodes with it; both clients (ours on the reactor, and the
// Asio engine's on Beast) decode with it, so all three agree by construction.
//
//   GET /api/user/42     200 {"id":42,"name":"Grace"}
//   GET /api/profile/42  200 {"user_id":42,"bio":"Grace writes async C++"}
//   unknown or failing   404 {"error":"user not found","id":42}
//
// A 404 on a user path means errc::user_not_found, on a profile path
// errc::profile_not_found: the same story lines as the simulated backend.
// Anything else that is not the JSON above is errc::bad_response.

#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "services.hpp"

namespace evo::http_api {

std::string user_target(UserId id);     ///< "/api/user/42"
std::string profile_target(UserId id);  ///< "/api/profile/42"

std::string user_json(const User& user);
std::string profile_json(const Profile& profile);
/// The body of a 404: {"error":"<error.message()>","id":<id>}
std::string error_json(std::error_code error, UserId id);

/// What a response to user_target(id) means. `why` (optional) receives the
/// detail a learner needs when the answer is bad ("status 500", "field
/// \"name\" is missing", "not JSON: ...").
std::pair<std::error_code, User> decode_user(unsigned status, std::string_view body,
                                             std::string* why = nullptr);
std::pair<std::error_code, Profile> decode_profile(unsigned status, std::string_view body,
                                                   std::string* why = nullptr);

}  // namespace evo::http_api
