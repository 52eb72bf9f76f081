#pragma once
// One connection of the HTTP client: a non-blocking socket and the steps of one
// exchange on it (connect, write the request, read the answer), each wait a
// one-shot reactor watch. Which request goes on which connection, the
// deadlines and the retry are the Client's business (http_client.cpp).

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include "http_client.hpp"
#include "http_response_reader.hpp"

namespace evo::http {

/// How one exchange ended.
struct Outcome {
  std::error_code error;
  std::string detail;  ///< what went wrong, in a learner's words
  Response response;
  /// The server keeps the connection open for the next request (keep-alive).
  bool reusable = false;
  /// Nothing came back on a connection that had served before: most likely
  /// the server closed it while it sat idle, so a fresh one may succeed.
  bool retryable = false;
};

class Connection;

/// Told when an exchange ends; it may destroy the connection there and then.
class ConnectionOwner {
 public:
  virtual void on_exchange_done(Connection& connection, std::uint64_t request, Outcome outcome) = 0;

 protected:
  ~ConnectionOwner() = default;
};

class Connection {
 public:
  Connection(Reactor& reactor, const sockaddr_in& peer, const std::string& peer_name,
             const ClientOptions& options, ConnectionOwner& owner);
  /// Unwatches, then closes: an exchange in progress just stops, unreported.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Sends `request` (the bytes of a GET) and reads one answer; the owner hears
  /// of the end later, from the reactor, never inside start(). If the socket
  /// cannot even be started, start() returns that outcome instead, and the
  /// owner is not told: the caller answers it later itself.
  std::optional<Outcome> start(std::uint64_t request, std::string bytes);
  /// The request in progress here, or 0 while idle.
  std::uint64_t request() const noexcept { return request_; }

 private:
  using Step = void (Connection::*)();
  std::optional<Outcome> wait(Interest interest, Step step);
  void wait_or_finish(Interest interest, Step step);
  void check_connected();
  void send_request();
  void read_response();
  void finish_reading();
  void finish(Outcome outcome);
  Outcome failure(std::string_view doing, int error) const;

  Reactor& reactor_;
  const sockaddr_in& peer_;
  const std::string& peer_name_;
  const ClientOptions& options_;
  ConnectionOwner& owner_;
  int fd_ = -1;
  std::uint64_t request_ = 0;
  std::uint64_t answered_ = 0;  // exchanges completed: more than 0 means reused
  std::string out_;             // the request's bytes
  std::size_t written_ = 0;     // how many of them the kernel took so far
  std::optional<ResponseReader> reader_;
};

}  // namespace evo::http
