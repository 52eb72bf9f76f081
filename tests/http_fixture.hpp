#pragma once
// Test support for the http tests (ctest label `http`), shared by every test
// that needs a real server on loopback:
//
//   ServerProcess server({evo::testing::user_service_path(), "--port", "0"});
//   auto response = evo::testing::http_get(server.port(), "/api/user/42");
//
// ServerProcess starts a program as a child (posix_spawn), learns its port
// from its first line on stdout, and kills and reaps it in its destructor.
// Every wait here is bounded: a poll with a timeout, never a sleep. The
// default waits are long (30 s): they are reached only when something is
// wrong, or on a machine so loaded that python takes seconds to start.
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evo::testing {

using std::chrono::milliseconds;

/// The built user_service binary.
std::string user_service_path();
/// tests/fixtures/http_api: the API's answers as static files.
std::string http_fixtures_dir();
/// python3 -m http.server on 127.0.0.1, any free port, serving `dir`: a
/// backend nobody here wrote. (It answers HTTP/1.0: one request per connection.)
std::vector<std::string> python_server_command(const std::string& dir = http_fixtures_dir());

/// The port a server announces on its first line: "listening on 127.0.0.1:8080"
/// (user_service) or "Serving HTTP on 127.0.0.1 port 8080 (...) ..." (python).
std::optional<std::uint16_t> port_from_banner(std::string_view line);

/// A server running as a child process for the length of a test.
class ServerProcess {
 public:
  /// Starts argv (argv[0] is a path, or a name looked up in PATH) with stdin
  /// /dev/null, stdout a pipe, stderr a file, and waits at most `ready_within`
  /// for its first line to name a port. Throws std::runtime_error, with the
  /// child's stderr, if it exits or stays silent instead.
  explicit ServerProcess(std::vector<std::string> argv,
                         milliseconds ready_within = milliseconds(30'000));
  /// Kills (SIGKILL) and reaps the child if it still runs.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string url() const;  ///< "http://127.0.0.1:PORT"
  pid_t pid() const noexcept { return pid_; }
  const std::string& first_line() const noexcept { return first_line_; }

  /// Sends `signal` and waits at most `within` for the exit. The exit code
  /// (128 + N if signal N killed it), or nullopt if it is still running.
  std::optional<int> stop(int signal = SIGTERM, milliseconds within = milliseconds(5'000));
  /// What it printed after the first line, read so far (all of it once it exited).
  std::string rest_of_stdout();
  std::string stderr_text() const;

 private:
  void release();  // kill, reap, close: the destructor's work

  pid_t pid_ = -1;
  int pidfd_ = -1;  // readable when the child exits: a bounded wait without sleeping
  int stdout_fd_ = -1;
  std::string stderr_file_;
  std::uint16_t port_ = 0;
  std::string first_line_;
  std::string pending_;  // stdout read past the first line
  std::optional<int> exit_code_;
};

/// A program run to its end: for the ways a server refuses to start.
struct Exit {
  std::optional<int> code;  ///< nullopt: still running after `within` (then killed)
  std::string out;
  std::string err;
};
Exit run_to_exit(const std::vector<std::string>& argv, milliseconds within = milliseconds(30'000));

/// The open file descriptors of a process (/proc/PID/fd), this one by default.
std::size_t open_fd_count(pid_t pid = ::getpid());

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  bool keep_alive = false;
  std::vector<std::pair<std::string, std::string>> headers;
  /// The value of a header (name in any case), "" if absent.
  std::string header(std::string_view name) const;
};

/// A blocking client connection to 127.0.0.1:port for tests, every read
/// bounded by a deadline. Responses are parsed by Beast.
class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port);  ///< throws std::system_error
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// Sends raw bytes (a request you wrote by hand).
  void send(std::string_view bytes);
  /// Sends GET target (HTTP/1.1; "Connection: close" if `close`).
  void send_get(std::string_view target, bool close = false);
  /// The next response; nullopt if the peer closed or `within` passed first.
  std::optional<HttpResponse> read_response(milliseconds within = milliseconds(5'000));
  /// send_get, then read_response.
  std::optional<HttpResponse> get(std::string_view target, bool close = false,
                                  milliseconds within = milliseconds(5'000));
  /// True if the peer closes the connection within `within` (data before the close is dropped).
  bool closed_by_peer(milliseconds within = milliseconds(5'000));

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes read past the last response
};

/// One GET on a fresh connection.
std::optional<HttpResponse> http_get(std::uint16_t port, std::string_view target,
                                     milliseconds within = milliseconds(5'000));

}  // namespace evo::testing
