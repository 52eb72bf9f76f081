// user_service: a real HTTP server, the backend behind the stages'
// --backend http://HOST:PORT. Run it and ask it with curl:
//
//   user_service --port 8080 --latency-user 50ms --fail profile:7
//   curl -i http://127.0.0.1:8080/api/user/42
//
// It is stage 3 once more, on Boost.Asio instead of our reactor: the
// io_context is the event loop, every function that waits is a coroutine
// (asio::awaitable), and every co_await hands the loop a callback that
// resumes it. One coroutine accepts connections and starts one session
// coroutine per connection (co_spawn), so a request waiting out its latency
// holds up nobody else. All of it runs on one thread.
#include <CLI/CLI.hpp>
#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "routes.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using evo::user_service::Answer;
using namespace std::chrono_literals;

// Limits, so that one client cannot exhaust the server. A GET has no body;
// 8 KiB of headers is Beast's (and nginx's) default.
constexpr std::uint32_t max_header_bytes = 8 * 1024;
constexpr std::uint64_t max_body_bytes = 1024;
constexpr auto idle_timeout = 60s;  // a connection silent this long is closed
constexpr auto drain_time = 3s;     // a refused client's rest is read this long, at most
constexpr std::size_t max_drain_bytes = 16 * 1024 * 1024;  // and this much

struct Server {
  evo::ServiceConfig services;         // latencies and failing ids, as the stage binaries
  std::size_t max_connections = 1024;  // one more is answered 503 and closed
  std::size_t open_connections = 0;
  std::uint64_t requests = 0;  // answered in full
};

// Counts a session in and out, however it ends: even a session destroyed
// mid-wait at shutdown gives its slot back.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(Server& server) : server_(server) { ++server_.open_connections; }
  ~ConnectionSlot() { --server_.open_connections; }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  Server& server_;
};

http::response<http::string_body> json_response(const Answer& answer, unsigned version,
                                                bool keep_alive) {
  http::response<http::string_body> response{static_cast<http::status>(answer.status), version};
  response.set(http::field::server, "user_service");
  response.set(http::field::content_type, "application/json");
  if (answer.status == 405) response.set(http::field::allow, "GET");
  response.keep_alive(keep_alive);
  response.body() = answer.body;
  response.prepare_payload();  // Content-Length
  return response;
}

// A request Beast could not read: garbage, or over a limit. A client that
// closed or went silent gets no answer (nobody would read it).
bool deserves_an_answer(error_code error) {
  return error.category() == http::make_error_code(http::error::end_of_stream).category() &&
         error != http::error::end_of_stream && error != http::error::partial_message;
}

Answer refusal_for(error_code error) {
  using evo::user_service::refusal;
  if (error == http::error::header_limit) return refusal(431, "headers too large");
  if (error == http::error::body_limit) return refusal(413, "body too large");
  return refusal(400, "bad request: " + error.message());
}

// Refusing a request we stopped reading halfway (a header or body over its
// limit, garbage): closing a socket with unread bytes makes the kernel send a
// reset, and a reset can throw away our answer before the client reads it.
// So: say we are done sending, then read and drop what the client still
// sends until it closes too, for at most a few seconds and a few megabytes.
asio::awaitable<void> close_gracefully(beast::tcp_stream& stream) {
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(drain_time);
  std::array<char, 16 * 1024> scratch;
  for (std::size_t dropped = 0; dropped < max_drain_bytes;) {
    auto [error, n] = co_await stream.async_read_some(
        asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));  // suspends
    if (error) break;  // the client closed (end of stream), or the time ran out
    dropped += n;
  }
}

// One connection, start to end: read a request, wait its latency, answer,
// and again while the client keeps the connection open (HTTP/1.1's default,
// "keep-alive"). Errors are values here (as_tuple), not exceptions: a client
// that hangs up is normal, and ends this session only.
asio::awaitable<void> session(beast::tcp_stream stream, Server& server) {
  ConnectionSlot slot(server);
  const bool over_the_cap = server.open_connections > server.max_connections;
  beast::flat_buffer buffer;  // bytes read past one request belong to the next
  for (;;) {
    http::request_parser<http::string_body> parser;  // a parser reads one request
    parser.header_limit(max_header_bytes);
    parser.body_limit(max_body_bytes);
    stream.expires_after(idle_timeout);
    auto [read_error, read_bytes] = co_await http::async_read(
        stream, buffer, parser, asio::as_tuple(asio::use_awaitable));  // suspends
    if (read_error) {
      if (deserves_an_answer(read_error)) {
        auto response = json_response(refusal_for(read_error), 11, false);
        co_await http::async_write(stream, response,
                                   asio::as_tuple(asio::use_awaitable));  // suspends
        co_await close_gracefully(stream);                                // suspends
        co_return;
      }
      break;
    }
    http::request<http::string_body> request = parser.release();

    Answer answer = over_the_cap ? evo::user_service::refusal(503, "too many connections")
                                 : evo::user_service::answer(
                                       server.services, request.method_string(), request.target());
    // The simulated network delay: a timer, so the loop serves other
    // connections meanwhile (a sleep here would stall every client).
    if (answer.latency > evo::Duration::zero()) {
      asio::steady_timer latency(stream.get_executor(), answer.latency);
      co_await latency.async_wait(asio::as_tuple(asio::use_awaitable));  // suspends
    }
    bool keep_alive = request.keep_alive() && !over_the_cap;  // "Connection: close" ends it
    auto response = json_response(answer, request.version(), keep_alive);
    stream.expires_after(idle_timeout);
    auto [write_error, written] = co_await http::async_write(
        stream, response, asio::as_tuple(asio::use_awaitable));  // suspends
    if (write_error) break;
    ++server.requests;
    if (!keep_alive) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);  // then the stream closes
}

// What an exception out of a coroutine does: it is a bug (the sessions catch
// none, they report errors as values), so let it end the loop loudly.
void rethrow(std::exception_ptr error) {
  if (error) std::rethrow_exception(error);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, Server& server) {
  for (;;) {
    auto [error, socket] =
        co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));  // suspends
    if (error == asio::error::operation_aborted) co_return;  // closed: we are shutting down
    if (error) {
      // Out of file descriptors, most likely: say so, breathe, try again.
      std::fprintf(stderr, "user_service: accept: %s\n", error.message().c_str());
      asio::steady_timer pause(acceptor.get_executor(), 100ms);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));  // suspends
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), session(beast::tcp_stream(std::move(socket)), server),
                   rethrow);
  }
}

struct Settings {
  std::string host = "127.0.0.1";
  int port = 8080;
};

// The flags, in the stage binaries' words. Returns the exit code to leave
// with, or -1 to go on.
int parse_flags(int argc, char** argv, Settings& settings, Server& server) {
  CLI::App app{
      "A real HTTP server for the stages' --backend: GET /api/user/ID and /api/profile/ID.",
      "user_service"};
  std::string latency_user, latency_profile;
  std::vector<std::string> failures;
  app.add_option("--host", settings.host, "the IP address to listen on")->capture_default_str();
  app.add_option("--port", settings.port, "the port (0: any free one, printed on the first line)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--latency-user", latency_user, "time before each user answer (default 200ms)")
      ->type_name("DURATION");
  app.add_option("--latency-profile", latency_profile,
                 "time before each profile answer (default 300ms)")
      ->type_name("DURATION");
  app.add_option("--fail", failures, "make a lookup answer 404: user:ID or profile:ID (repeatable)")
      ->type_name("WHAT:ID");
  app.add_option("--max-connections", server.max_connections,
                 "connections served at once; one more is answered 503")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();

  std::string error;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    error = e.what();
  }
  auto duration = [&](const char* flag, const std::string& text, evo::Duration& out) {
    if (!error.empty() || text.empty()) return;
    if (auto d = evo::parse_duration(text)) {
      out = *d;
    } else {
      error = std::string(flag) + ": '" + text + "' is not a duration; write 200ms, 1.5s, 250us";
    }
  };
  duration("--latency-user", latency_user, server.services.user_latency);
  duration("--latency-profile", latency_profile, server.services.profile_latency);
  for (const std::string& spec : failures) {
    if (error.empty()) evo::add_failure(spec, server.services, error);
  }
  if (error.empty()) return -1;
  std::fprintf(stderr, "user_service: error: %s\n", error.c_str());
  return evo::exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  Server server;  // before the loop: sessions destroyed with the loop still count out of it
  Settings settings;
  if (int exit_code = parse_flags(argc, argv, settings, server); exit_code >= 0) return exit_code;

  error_code error;
  asio::ip::address address = asio::ip::make_address(settings.host, error);
  if (error) {
    std::fprintf(stderr, "user_service: error: --host: '%s' is not an IP address\n",
                 settings.host.c_str());
    return evo::exit_usage;
  }

  asio::io_context loop;
  tcp::acceptor acceptor(loop);
  tcp::endpoint endpoint(address, static_cast<std::uint16_t>(settings.port));
  // Each step reports into `error` instead of throwing, so that a port in
  // use is one line, not an exception's text.
  acceptor.open(endpoint.protocol(), error);
  // Lets a restarted server take its port back at once (old connections may
  // linger in TIME_WAIT); on Linux it never lets two servers share a port.
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    std::fprintf(stderr, "user_service: cannot listen on %s:%d: %s\n", settings.host.c_str(),
                 settings.port, error.message().c_str());
    return 1;
  }

  // Ctrl-C or a kill: stop accepting, stop the loop. The loop's destructor
  // then destroys every session coroutine where it waits, closing its socket.
  // Installed before the first line, so a signal sent on reading it is caught.
  asio::signal_set signals(loop, SIGINT, SIGTERM);
  int stopped_by = 0;
  signals.async_wait([&](error_code, int signal) {
    stopped_by = signal;
    acceptor.close();
    loop.stop();
  });

  std::printf("listening on %s:%u\n", settings.host.c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);  // the first line is how a script learns the port: send it now

  asio::co_spawn(loop, accept_loop(acceptor, server), rethrow);
  loop.run();  // until a signal stops it

  std::printf("user_service: stopped by %s (requests served: %llu)\n",
              stopped_by == SIGINT ? "SIGINT" : "SIGTERM",
              static_cast<unsigned long long>(server.requests));
  return 0;
}
