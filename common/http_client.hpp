#pragma once
// An HTTP/1.1 client on this project's reactor: GET requests over keep-alive
// connections to one host, every wait a reactor watch (connect: writable, then
// SO_ERROR; write: writable; read: readable), every answer a callback.
// Parsing is Boost.Beast's response parser, fed from our own read buffer
// (http_response_reader.hpp); the sockets are in http_connection.cpp, and
// common/README.md ("Real I/O") walks through them.
//
// (The interface the HTTP helpers agreed on; get() now also returns the
// request's id, for cancel(): callers that ignore it compile as before.)

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
  std::size_t max_connections = 64;             ///< per host; more requests queue (README: why)
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
};

struct Response {
  unsigned status = 0;
  std::string body;
};

using ResponseHandler = UniqueFunction<void(std::error_code, Response)>;

/// Single-threaded, like its reactor; destroy it before the reactor. Destroying
/// it closes every connection (unwatched first) and destroys the pending
/// handlers without calling them, as the reactor does at its teardown; a
/// handler may destroy the client.
class Client {
 public:
  Client(Reactor& reactor, Endpoint endpoint, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// GET target. handler(error, response) runs exactly once, later, from the
  /// reactor, never inside get() (errors known at once included). Errors
  /// (evo::errc): connection_refused (nobody listens), connection_failed (the
  /// connection broke or closed before a whole answer), bad_response (not
  /// HTTP, or over a size limit), timeout (no whole answer within the
  /// deadline; the connection is closed). A non-2xx status is not an error
  /// here. A GET that finds its reused connection closed by the server (and
  /// nothing came back) is sent once more, on a fresh connection.
  /// Returns the request's id (never 0), for cancel().
  std::uint64_t get(std::string target, ResponseHandler handler);

  /// Stops request `id` now: a queued one is removed from the queue (never
  /// sent); one in flight has its connection closed (unwatched first) and its
  /// deadline disarmed, which frees the connection slot for the next queued
  /// request. Its handler is then NOT called, by this or anything later: it is
  /// destroyed unrun, as at ~Client (the caller who cancels has answered
  /// already), and last_error_detail() is not touched. Harmless on an id that
  /// is unknown, already completed, or already cancelled; may be called from
  /// any handler.
  void cancel(std::uint64_t id);

  /// The detail of the last error, for the learner: "connect to 127.0.0.1:9:
  /// Connection refused", "body larger than 1048576 bytes", "no answer within
  /// 5s". Set when a handler gets an error; read it in that handler.
  const std::string& last_error_detail() const noexcept;
  std::size_t open_connections() const noexcept;
  std::size_t peak_connections() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evo::http
