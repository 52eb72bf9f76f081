#pragma once
// The Asio engine's HTTP backend (--engine asio --backend http://HOST:PORT):
// the same GET /api/user/{id} and /api/profile/{id} as common/http_services.cpp,
// over Boost.Beast on Asio's own sockets instead of our reactor. Beast's
// headers stay in asio_http.cpp; asio_services.hpp wraps these calls in one
// initiating function per service, so every completion token works.
//
// Connections: a keep-alive pool of at most `max_connections` per server.
// A request takes an idle connection, or opens one if fewer are open, or
// waits in a FIFO queue until one is handed back. Why a pool and not a
// connection per request: a fan-out of 10,000 users would open 10,000
// sockets at once (past the usual 1,024-fd limit) and pay a handshake per
// request; the cap bounds the fds, and keep-alive pays each handshake once.
// A reused connection the server has closed meanwhile fails on its first
// read; that request is retried once on a fresh connection.

#include <cstdint>
#include <memory>
#include <string>

#include "asio_loop.hpp"
#include "http_client.hpp"
#include "services.hpp"
#include "unique_function.hpp"

namespace evo::asio_engine {

/// Must outlive its requests (Services owns it). Single-threaded, like Loop.
class HttpBackend {
 public:
  template <class T>
  using Done = UniqueFunction<void(error_code, T)>;

  HttpBackend(Loop& loop, const ServiceConfig& config);
  ~HttpBackend();
  HttpBackend(const HttpBackend&) = delete;
  HttpBackend& operator=(const HttpBackend&) = delete;

  /// GET and decode. done(error, value) runs exactly once, later, from the
  /// loop, never inside the call. Errors: evo::errc (connection_refused,
  /// connection_failed, bad_response, timeout after the request deadline,
  /// user_not_found / profile_not_found for a 404), or operation_aborted
  /// after cancel(). Returns the request's id, for cancel().
  std::uint64_t get_user(UserId id, Done<User> done);
  std::uint64_t get_profile(UserId id, Done<Profile> done);

  /// Asks a request to stop: it completes with operation_aborted (its
  /// connection is closed, not reused). Harmless once it has completed.
  void cancel(std::uint64_t request);

  /// The last failed request and why ("" if none failed).
  const std::string& last_error_detail() const noexcept;
  std::size_t peak_connections() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace evo::asio_engine
