#include "asio_http.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "errors.hpp"
#include "http_api.hpp"

namespace evo::asio_engine {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t max_header_bytes = 16 * 1024;
constexpr std::size_t max_body_bytes = 1024 * 1024;

struct Connection {
  explicit Connection(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  beast::flat_buffer buffer;
  bool reused = false;  // it answered before: the server may have closed it since
};

using Answer = UniqueFunction<void(error_code, unsigned status, std::string body)>;

// One GET, from the call to its answer. The handlers Asio holds for it share
// it, so it lives until its last operation has come back, even when the
// deadline answered first: a pending read still uses the connection's buffer.
struct Request {
  std::uint64_t id = 0;
  std::uint32_t label = 0;  // the task that asked: its waits are traced under it
  std::string target;
  Answer answer;
  std::unique_ptr<Connection> connection;
  std::unique_ptr<Timer> deadline;
  bhttp::request<bhttp::empty_body> message;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  bool retried = false;
  bool finished = false;
};
using RequestPtr = std::shared_ptr<Request>;

tcp::endpoint endpoint_of(const http::Endpoint& e) {
  error_code ec;
  auto address =
      asio::ip::make_address_v4(e.host == "localhost" ? std::string("127.0.0.1") : e.host, ec);
  if (ec) throw std::invalid_argument("--backend: '" + e.host + "' is not an IPv4 address");
  return {address, e.port};
}

}  // namespace

struct HttpBackend::Impl {
  Impl(Loop& loop, const ServiceConfig& config)
      : loop(loop),
        server(endpoint_of(*config.backend)),
        server_text(config.backend->host + ":" + std::to_string(config.backend->port)),
        deadline(config.request_deadline),
        max_connections(config.max_connections) {}

  Loop& loop;
  tcp::endpoint server;
  std::string server_text;  // "127.0.0.1:8080"
  Duration deadline;
  std::size_t max_connections;
  std::size_t open = 0;
  std::size_t peak = 0;
  std::vector<std::unique_ptr<Connection>> idle;
  std::deque<RequestPtr> waiting;  // FIFO: no free connection yet
  std::unordered_map<std::uint64_t, RequestPtr> pending;
  std::uint64_t next_id = 1;
  std::string last_error;

  std::uint64_t get(std::string target, Answer answer);
  void start(const RequestPtr& r);
  void connect(const RequestPtr& r);
  void send(const RequestPtr& r);
  void receive(const RequestPtr& r);
  void failed(const RequestPtr& r, error_code ec, const char* step);
  void finish(const RequestPtr& r, error_code ec, const std::string& why, unsigned status = 0,
              std::string body = {});
  void close(Connection& c);
  void pump();
};

std::uint64_t HttpBackend::Impl::get(std::string target, Answer answer) {
  auto r = std::make_shared<Request>();
  r->id = next_id++;
  r->label = loop.current();
  r->target = target;
  r->answer = std::move(answer);
  r->message = {bhttp::verb::get, target, 11};
  r->message.set(bhttp::field::host, server_text);
  // The deadline covers the whole request, queueing included: the caller
  // waits for an answer, not for a connection.
  r->deadline = std::make_unique<Timer>(loop.executor(), deadline);
  r->deadline->async_wait(loop.wrap_timer(deadline, "http deadline", [this, r](error_code ec) {
    if (ec || r->finished) return;
    finish(r, errc::timeout, "no complete answer within " + format_seconds(deadline));
  }));
  pending.emplace(r->id, r);
  start(r);
  return r->id;
}

void HttpBackend::Impl::start(const RequestPtr& r) {
  if (!idle.empty()) {
    r->connection = std::move(idle.back());  // the most recent: the least likely to be stale
    idle.pop_back();
    return send(r);
  }
  if (open < max_connections) return connect(r);
  waiting.push_back(r);
}

void HttpBackend::Impl::connect(const RequestPtr& r) {
  r->connection = std::make_unique<Connection>(loop.context());
  error_code ec;
  r->connection->socket.open(tcp::v4(), ec);
  if (ec) {  // out of fds, say: still answered later, never inside get()
    loop.post([this, r, ec] { finish(r, errc::connection_failed, "socket: " + ec.message()); });
    return;
  }
  peak = std::max(peak, ++open);
  int fd = r->connection->socket.native_handle();
  r->connection->socket.async_connect(
      server, loop.wrap_io(r->label, fd, true, [this, r](error_code ec) {
        if (r->finished) return;  // the deadline or a cancel answered first
        if (ec == asio::error::connection_refused) {
          return finish(r, errc::connection_refused,
                        "nobody listens at " + server_text + " (" + ec.message() + ")");
        }
        if (ec) return finish(r, errc::connection_failed, "connect: " + ec.message());
        send(r);
      }));
}

void HttpBackend::Impl::send(const RequestPtr& r) {
  Connection& c = *r->connection;
  bhttp::async_write(
      c.socket, r->message,
      loop.wrap_io(r->label, c.socket.native_handle(), true, [this, r](error_code ec, std::size_t) {
        if (r->finished) return;
        if (ec) return failed(r, ec, "write");
        receive(r);
      }));
}

void HttpBackend::Impl::receive(const RequestPtr& r) {
  Connection& c = *r->connection;
  r->parser.emplace();
  r->parser->header_limit(max_header_bytes);
  r->parser->body_limit(max_body_bytes);
  bhttp::async_read(c.socket, c.buffer, *r->parser,
                    loop.wrap_io(r->label, c.socket.native_handle(), false,
                                 [this, r](error_code ec, std::size_t) {
                                   if (r->finished) return;
                                   if (ec) return failed(r, ec, "read");
                                   auto& response = r->parser->get();
                                   unsigned status = response.result_int();
                                   std::string body = std::move(response.body());
                                   if (r->parser->keep_alive()) {
                                     r->connection->reused = true;
                                     idle.push_back(std::move(r->connection));
                                   }
                                   finish(r, {}, {}, status, std::move(body));
                                 }));
}

// A reused connection that the server closed while it sat idle fails before
// any byte of the answer: not the request's fault, so it gets one fresh try.
void HttpBackend::Impl::failed(const RequestPtr& r, error_code ec, const char* step) {
  bool closed = ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
  bool nothing_read = !r->parser || !r->parser->got_some();
  if (r->connection->reused && !r->retried && closed && nothing_read) {
    r->retried = true;
    close(*r->connection);
    return connect(r);  // takes the slot just freed, ahead of the queue
  }
  // Beast's parser errors (garbage, a cut body, a header too long) mean the
  // server spoke, but not the HTTP we expect; anything else is the connection.
  bool parse_error = ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category();
  errc e = parse_error && ec != bhttp::error::end_of_stream ? errc::bad_response
                                                            : errc::connection_failed;
  finish(r, e, std::string(step) + ": " + ec.message());
}

void HttpBackend::Impl::finish(const RequestPtr& r, error_code ec, const std::string& why,
                               unsigned status, std::string body) {
  if (r->finished) return;
  r->finished = true;
  pending.erase(r->id);
  std::erase(waiting, r);
  r->deadline->cancel();
  // Closing a busy connection makes its pending operation come back with
  // operation_aborted; that handler finds the request finished and stops.
  if (r->connection) close(*r->connection);
  if (ec && ec != asio::error::operation_aborted)
    last_error = "GET http://" + server_text + r->target + ": " + ec.message() + ": " + why;
  pump();
  Answer answer = std::move(r->answer);
  answer(ec, status, std::move(body));
}

void HttpBackend::Impl::close(Connection& c) {
  if (!c.socket.is_open()) return;
  error_code ignored;
  c.socket.close(ignored);
  --open;
}

void HttpBackend::Impl::pump() {
  while (!waiting.empty() && (!idle.empty() || open < max_connections)) {
    RequestPtr next = std::move(waiting.front());
    waiting.pop_front();
    start(next);
  }
}

namespace {

// The decoding step, shared by both services: (status, body) -> (error, value),
// with the decoder's reason kept as the backend's last error.
template <class T, class Decode>
Answer decoded(HttpBackend::Impl& impl, std::string request, Decode decode,
               HttpBackend::Done<T> done) {
  return [&impl, request = std::move(request), decode, done = std::move(done)](
             error_code ec, unsigned status, std::string body) mutable {
    if (ec) return done(ec, T{});
    std::string why;
    auto [error, value] = decode(status, body, &why);
    if (error) {
      if (why.empty()) why = "status " + std::to_string(status);
      impl.last_error =
          "GET http://" + impl.server_text + request + ": " + error.message() + ": " + why;
    }
    done(error, std::move(value));
  };
}

}  // namespace

HttpBackend::HttpBackend(Loop& loop, const ServiceConfig& config)
    : impl_(std::make_unique<Impl>(loop, config)) {}

HttpBackend::~HttpBackend() = default;

std::uint64_t HttpBackend::get_user(UserId id, Done<User> done) {
  std::string target = http_api::user_target(id);
  return impl_->get(target, decoded<User>(*impl_, target, http_api::decode_user, std::move(done)));
}

std::uint64_t HttpBackend::get_profile(UserId id, Done<Profile> done) {
  std::string target = http_api::profile_target(id);
  return impl_->get(target,
                    decoded<Profile>(*impl_, target, http_api::decode_profile, std::move(done)));
}

// Answered from the loop, not from inside the cancel request: whoever asked
// (a parallel group, an awaitable operator) is itself in the middle of a
// handler. If the answer arrives first, this does nothing.
void HttpBackend::cancel(std::uint64_t request) {
  auto it = impl_->pending.find(request);
  if (it == impl_->pending.end()) return;
  impl_->loop.post([impl = impl_.get(), r = it->second] {
    impl->finish(r, asio::error::operation_aborted, "cancelled");
  });
}

const std::string& HttpBackend::last_error_detail() const noexcept {
  return impl_->last_error;
}

std::size_t HttpBackend::peak_connections() const noexcept {
  return impl_->peak;
}

}  // namespace evo::asio_engine
