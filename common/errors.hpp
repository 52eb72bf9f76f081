#pragma once
// The errors of this project's services, as a std::error_code category.
//
// Stage 1 and stage 2 carry a std::error_code (Asio's convention: the first
// argument of every handler); stage 3 throws it inside a std::system_error.
// One enum, so the same failure reads the same in all three stages.

#include <string>
#include <system_error>

namespace evo {

enum class errc {
  user_not_found = 1,
  profile_not_found,
  timeout,
  connection_failed,   ///< the connection broke or could not be made
  connection_refused,  ///< nobody listens at the backend's address
  bad_response,        ///< the server's answer is not the HTTP or JSON we expect
  not_found,           ///< the server answered 404 for a path that is not a user or profile
  broken_promise,      ///< a stage-2 promise was destroyed without a result
  cancelled,           ///< the caller asked to stop the operation before it finished
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace evo

template <>
struct std::is_error_code_enum<evo::errc> : std::true_type {};
