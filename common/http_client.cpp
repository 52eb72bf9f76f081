#include "http_client.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <stdexcept>
#include <vector>

#include "errors.hpp"
#include "http_connection.hpp"

namespace evo::http {
namespace {

std::optional<Endpoint> reject(std::string* why, std::string text) {
  if (why) *why = std::move(text);
  return std::nullopt;
}

bool parse_host(std::string_view host, in_addr& out) {
  if (host == "localhost") host = "127.0.0.1";  // no resolver: loopback is what it means here
  return ::inet_pton(AF_INET, std::string(host).c_str(), &out) == 1;
}

// "100ms", "5s": the deadline as the learner wrote it.
std::string say(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

}  // namespace

std::optional<Endpoint> parse_url(std::string_view url, std::string* why) {
  constexpr std::string_view scheme = "http://";
  if (url.starts_with("https://")) return reject(why, "only http:// is supported (no TLS here)");
  if (!url.starts_with(scheme))
    return reject(why, "expected http://HOST:PORT, got \"" + std::string(url) + "\"");
  std::string_view rest = url.substr(scheme.size());
  std::string_view path;
  if (auto slash = rest.find('/'); slash != rest.npos)
    path = rest.substr(slash), rest = rest.substr(0, slash);
  if (!path.empty() && path != "/")
    return reject(why, "unexpected path \"" + std::string(path) + "\": give only http://HOST:PORT");
  auto colon = rest.rfind(':');
  if (colon == rest.npos) return reject(why, "missing :PORT after the host");
  std::string_view host = rest.substr(0, colon), port_text = rest.substr(colon + 1);
  in_addr ignored{};
  if (!parse_host(host, ignored))
    return reject(why, "host \"" + std::string(host) + "\" is not an IPv4 address or localhost");
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535)
    return reject(why, "port \"" + std::string(port_text) + "\" is not a number from 1 to 65535");
  return Endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

// Every request is in `requests` from get() until its handler runs, so every
// way it can end (answer, error, deadline, a failure posted from get()) looks
// it up by id, and whichever comes first wins: the others find nothing.
struct Client::Impl final : ConnectionOwner {
  struct Request {
    std::string target;
    ResponseHandler handler;
    TimerId deadline;
    Connection* connection = nullptr;  // null while queued
    bool retried = false;
  };

  Impl(Reactor& r, Endpoint e, ClientOptions o) : reactor(r), endpoint(std::move(e)), options(o) {
    if (!parse_host(endpoint.host, peer.sin_addr))
      throw std::invalid_argument("http::Client: host \"" + endpoint.host +
                                  "\" is not an IPv4 address or localhost");
    peer.sin_family = AF_INET;
    peer.sin_port = htons(endpoint.port);
    peer_name = endpoint.host + ":" + std::to_string(endpoint.port);
    options.max_connections = std::max<std::size_t>(options.max_connections, 1);
  }

  std::uint64_t get(std::string target, ResponseHandler handler) {
    std::uint64_t id = next_id++;
    if (closing) return id;  // a handler's destructor asked, while ~Client drops them
    TimerId deadline = reactor.call_after(
        options.deadline, [this, id] { on_deadline(id); }, "http deadline");
    requests.emplace(id, Request{std::move(target), std::move(handler), deadline});
    queue.push_back(id);
    dispatch();
    return id;
  }

  // Like on_deadline, but nobody is told: the request just goes. A posted
  // failure from begin() or a late deadline then finds no request.
  void cancel(std::uint64_t id) {
    auto node = requests.extract(id);
    if (node.empty()) return;
    reactor.cancel(node.mapped().deadline);
    std::erase(queue, id);
    if (node.mapped().connection) {
      close_connection(*node.mapped().connection);
      dispatch();  // its slot is free: a queued request may have it
    }
  }  // the handler is destroyed here, unrun, once everything is settled

  // Gives queued requests a connection: an idle one if any, a new one while
  // under the cap. Beyond it they wait here for one to come free. Why a cap:
  // each connection is an fd (a process has ~1024 by default), a server limits
  // connections per client too, and past a few dozen, more connections only
  // add handshakes: the server answers no faster. The price is head-of-line
  // waiting: a queued request waits behind slow ones (its deadline counts).
  void dispatch() {
    while (!queue.empty()) {
      Connection* connection = idle_connection();
      if (!connection && connections.size() >= options.max_connections) return;
      if (!connection) connection = open_connection();
      std::uint64_t id = queue.front();
      queue.pop_front();
      begin(*connection, id);
    }
  }

  Connection* idle_connection() {
    for (auto& connection : connections)
      if (connection->request() == 0) return connection.get();
    return nullptr;
  }

  Connection* open_connection() {
    connections.push_back(std::make_unique<Connection>(reactor, peer, peer_name, options, *this));
    peak = std::max(peak, connections.size());
    return connections.back().get();
  }

  void close_connection(Connection& connection) {
    std::erase_if(connections, [&](auto& c) { return c.get() == &connection; });
  }

  void begin(Connection& connection, std::uint64_t id) {
    Request& request = requests.at(id);
    request.connection = &connection;
    std::string bytes = "GET " + request.target + " HTTP/1.1\r\nHost: " + peer_name + "\r\n\r\n";
    auto failed = connection.start(id, std::move(bytes));
    if (!failed) return;
    // Failed at once (inside get(), perhaps): answer from the reactor, later.
    request.connection = nullptr;
    close_connection(connection);
    reactor.post(
        [this, alive = std::weak_ptr<char>(alive), id, outcome = std::move(*failed)]() mutable {
          if (!alive.expired()) complete(id, std::move(outcome));
        });
  }

  void on_exchange_done(Connection& connection, std::uint64_t id, Outcome outcome) override {
    if (outcome.error || !outcome.reusable) close_connection(connection);
    Request& request = requests.at(id);
    request.connection = nullptr;
    // The server may close a keep-alive connection while it is idle, and we
    // learn it only when we send on it. Trying again once, on a fresh
    // connection, is safe for a GET: nothing came back, so nothing was
    // half-read, and a GET asks for data without changing it, so if the
    // server did see the first try, seeing it twice changes nothing (RFC 9110
    // calls GET idempotent, and RFC 9112 allows this retry for such requests).
    if (outcome.retryable && !request.retried) {
      request.retried = true;
      return begin(*open_connection(), id);
    }
    complete(id, std::move(outcome));
  }

  // The answer may still come; on this socket it would be read as the answer
  // to the next request, so the connection goes.
  void on_deadline(std::uint64_t id) {
    auto it = requests.find(id);
    if (it == requests.end()) return;
    if (it->second.connection) close_connection(*it->second.connection);
    std::erase(queue, id);
    Outcome timeout;
    timeout.error = errc::timeout;
    timeout.detail = "no answer within " + say(options.deadline);
    complete(id, std::move(timeout));
  }

  // Everything is settled before the handler runs, and nothing is touched
  // after: the handler may call get() again, or destroy the client.
  void complete(std::uint64_t id, Outcome outcome) {
    auto node = requests.extract(id);
    if (node.empty()) return;
    reactor.cancel(node.mapped().deadline);
    if (outcome.error) last_error = outcome.detail;
    dispatch();
    node.mapped().handler(outcome.error, std::move(outcome.response));
  }

  // Teardown: fds closed (unwatched first), timers disarmed, handlers
  // destroyed without running, as the reactor does at its own teardown.
  void close_all() {
    closing = true;
    for (auto& [id, request] : requests) reactor.cancel(request.deadline);
    auto doomed_connections = std::move(connections);
    auto doomed_requests = std::move(requests);
    queue.clear();
    doomed_connections.clear();
    doomed_requests.clear();
  }

  Reactor& reactor;
  Endpoint endpoint;
  ClientOptions options;
  sockaddr_in peer{};
  std::string peer_name;  // "127.0.0.1:8080", for the request's Host and the error details
  std::map<std::uint64_t, Request> requests;
  std::deque<std::uint64_t> queue;  // ids waiting for a connection, oldest first
  std::vector<std::unique_ptr<Connection>> connections;
  std::size_t peak = 0;
  std::uint64_t next_id = 1;
  std::string last_error;
  bool closing = false;
  std::shared_ptr<char> alive = std::make_shared<char>();  // posted work checks it
};

Client::Client(Reactor& reactor, Endpoint endpoint, ClientOptions options)
    : impl_(std::make_unique<Impl>(reactor, std::move(endpoint), options)) {}

Client::~Client() {
  impl_->close_all();
}

std::uint64_t Client::get(std::string target, ResponseHandler handler) {
  return impl_->get(std::move(target), std::move(handler));
}

void Client::cancel(std::uint64_t id) {
  impl_->cancel(id);
}

const std::string& Client::last_error_detail() const noexcept {
  return impl_->last_error;
}
std::size_t Client::open_connections() const noexcept {
  return impl_->connections.size();
}
std::size_t Client::peak_connections() const noexcept {
  return impl_->peak;
}

}  // namespace evo::http
