#pragma once
// What user_service answers, as a plain function of the request: no sockets
// here, so the HTTP plumbing in main.cpp stays short and this stays testable.
//
//   GET /api/user/42     200 {"id":42,"name":"Grace"}          after --latency-user
//   GET /api/profile/42  200 {"user_id":42,"bio":"..."}        after --latency-profile
//   a failing id         404 {"error":"user not found","id":7} after the same latency
//   any other path       404 {"error":"no such path","path":"/x"}
//   any other method     405 {"error":"method not allowed","method":"POST"}
//
// The records and the failures are the simulated backend's (common/services),
// encoded by common/http_api: the stages see the same data whichever backend
// they use.

#include <string>
#include <string_view>

#include "common/reactor.hpp"
#include "common/services.hpp"

namespace evo::user_service {

struct Answer {
  unsigned status = 200;
  std::string body;    ///< JSON
  Duration latency{};  ///< how long to wait before sending it
};

/// The answer to `method target` ("GET", "/api/user/42"); a query string is ignored.
Answer answer(const ServiceConfig& config, std::string_view method, std::string_view target);

/// An answer that is not about a user: {"error":"<error>"}, sent at once
/// (a malformed request, headers too large, the server full).
Answer refusal(unsigned status, std::string_view error);

}  // namespace evo::user_service
