#pragma once
// INTERFACE AGREED BETWEEN HELPERS (the http-client helper implements it in
// http_client.cpp and may refine the comments; keep the signatures).
//
// An HTTP/1.1 client on this project's reactor: GET requests over keep-alive
// connections to one host, every wait a reactor watch (connect: writable, then
// SO_ERROR; write: writable; read: readable), every answer a callback.
// Parsing is Boost.Beast's response parser, fed from our own read buffer.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "reactor.hpp"
#include "unique_function.hpp"

namespace evo::http {

struct Endpoint {
  std::string host;  ///< an IPv4 address or "localhost"
  std::uint16_t port = 0;
};

/// "http://127.0.0.1:8080" (an optional trailing '/') -> the endpoint; else
/// nullopt and `why` says what is wrong, in one line.
std::optional<Endpoint> parse_url(std::string_view url, std::string* why = nullptr);

struct ClientOptions {
  Duration deadline = std::chrono::seconds(5);  ///< per request: start to last byte
  std::size_t max_connections = 64;             ///< per host; more requests queue
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
};

struct Response {
  unsigned status = 0;
  std::string body;
};

using ResponseHandler = UniqueFunction<void(std::error_code, Response)>;

/// Must outlive its requests' handlers' runs; destroying it closes every
/// connection and destroys the pending handlers without calling them (as the
/// reactor does at teardown).
class Client {
 public:
  Client(Reactor& reactor, Endpoint endpoint, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// GET target. handler(error, response) runs exactly once, later, from the
  /// reactor. Errors: connection_refused, connection_failed, bad_response,
  /// timeout (evo::errc). A non-2xx status is not an error here.
  void get(std::string target, ResponseHandler handler);

  /// The detail of the last error (peer address, errno text, parser message).
  const std::string& last_error_detail() const noexcept;
  std::size_t open_connections() const noexcept;
  std::size_t peak_connections() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evo::http
