#include "http_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace evo::testing {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::system_category(), what);
}

// Milliseconds left until `deadline`, as poll() wants them (0 once passed).
int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd until the deadline; false if it passed first.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) throw_errno("poll");
  }
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A child with stdout on a pipe and stderr in a file (a file never fills up
// and blocks the child, as an unread pipe would with python's request log).
struct Child {
  pid_t pid = -1;
  int pidfd = -1;
  int stdout_fd = -1;
  std::string stderr_file;
};

Child spawn(const std::vector<std::string>& argv) {
  static std::atomic<int> count{0};
  Child child;
  child.stderr_file =
      (fs::temp_directory_path() /
       ("evo-http-fixture-" + std::to_string(::getpid()) + "-" + std::to_string(count++) + ".err"))
          .string();
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe2");
  int err = ::open(child.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (err < 0) throw_errno("open " + child.stderr_file);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  // The child starts with default signal actions and nothing blocked, whatever the test runner set.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGPIPE}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Python buffers a piped stdout: without this its banner would never come.
  std::string unbuffered = "PYTHONUNBUFFERED=1";
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) env.push_back(*e);
  env.push_back(unbuffered.data());
  env.push_back(nullptr);

  int spawned = ::posix_spawnp(&child.pid, args[0], &actions, &attributes, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(out[1]);
  ::close(err);
  if (spawned != 0) {
    ::close(out[0]);
    fs::remove(child.stderr_file);
    throw std::system_error(spawned, std::system_category(), "posix_spawn " + argv[0]);
  }
  child.stdout_fd = out[0];
  child.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child.pid, 0));
  if (child.pidfd < 0) throw_errno("pidfd_open");
  return child;
}

// Waits at most until the deadline for the child to exit and reaps it.
std::optional<int> reap(const Child& child, Clock::time_point deadline) {
  if (!wait_for(child.pidfd, POLLIN, deadline)) return std::nullopt;
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0) {
    if (errno != EINTR) throw_errno("waitpid");
  }
  return exit_code_of(status);
}

// Appends what the pipe holds to `text`, reading until EOF or the deadline.
void read_until(int fd, std::string& text, Clock::time_point deadline,
                bool stop_at_newline = false) {
  char chunk[4096];
  while (!(stop_at_newline && text.find('\n') != std::string::npos)) {
    if (!wait_for(fd, POLLIN, deadline)) return;
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EOF: the child closed its stdout (it exited)
    text.append(chunk, static_cast<std::size_t>(n));
  }
}

void close_child(Child& child) {
  if (child.stdout_fd >= 0) ::close(child.stdout_fd);
  if (child.pidfd >= 0) ::close(child.pidfd);
  std::error_code ignored;
  fs::remove(child.stderr_file, ignored);
}

}  // namespace

std::string user_service_path() {
  return EVO_USER_SERVICE;
}
std::string http_fixtures_dir() {
  return EVO_HTTP_FIXTURES_DIR;
}

std::vector<std::string> python_server_command(const std::string& dir) {
  return {"python3", "-m", "http.server", "--bind", "127.0.0.1", "0", "--directory", dir};
}

std::optional<std::uint16_t> port_from_banner(std::string_view line) {
  std::size_t at;
  if (line.starts_with("listening on ")) {
    at = line.rfind(':');
    if (at == std::string_view::npos) return std::nullopt;
    ++at;
  } else if (line.starts_with("Serving HTTP on ")) {
    at = line.find(" port ");
    if (at == std::string_view::npos) return std::nullopt;
    at += 6;
  } else {
    return std::nullopt;
  }
  std::uint16_t port = 0;
  auto [end, ec] = std::from_chars(line.data() + at, line.data() + line.size(), port);
  if (ec != std::errc{} || end == line.data() + at || port == 0) return std::nullopt;
  bool line_ends = end == line.data() + line.size() || *end == ' ' || *end == '\n';
  return line_ends ? std::optional(port) : std::nullopt;
}

ServerProcess::ServerProcess(std::vector<std::string> argv, milliseconds ready_within) {
  Child child = spawn(argv);
  pid_ = child.pid;
  pidfd_ = child.pidfd;
  stdout_fd_ = child.stdout_fd;
  stderr_file_ = child.stderr_file;
  std::string text;
  read_until(stdout_fd_, text, Clock::now() + ready_within, true);
  auto newline = text.find('\n');
  first_line_ = text.substr(0, newline);
  if (newline != std::string::npos) pending_ = text.substr(newline + 1);
  if (auto port = newline == std::string::npos ? std::nullopt : port_from_banner(first_line_)) {
    port_ = *port;
    return;
  }
  // No port: say why, with what the child said, and leave nothing behind.
  std::string why = argv[0] + " did not announce a port within " +
                    std::to_string(ready_within.count()) + " ms; stdout: '" + text +
                    "'; stderr: '" + stderr_text() + "'";
  release();
  throw std::runtime_error(why);
}

ServerProcess::~ServerProcess() {
  release();
}

void ServerProcess::release() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  Child child{pid_, pidfd_, stdout_fd_, stderr_file_};
  close_child(child);
  pid_ = -1;
  pidfd_ = stdout_fd_ = -1;
}

std::string ServerProcess::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::optional<int> ServerProcess::stop(int signal, milliseconds within) {
  if (exit_code_) return exit_code_;
  ::kill(pid_, signal);
  exit_code_ = reap(Child{pid_, pidfd_, stdout_fd_, stderr_file_}, Clock::now() + within);
  return exit_code_;
}

std::string ServerProcess::rest_of_stdout() {
  // Running: take what is there now. Exited: everything, up to EOF.
  read_until(stdout_fd_, pending_, exit_code_ ? Clock::now() + milliseconds(5'000) : Clock::now());
  return pending_;
}

std::string ServerProcess::stderr_text() const {
  return slurp(stderr_file_);
}

Exit run_to_exit(const std::vector<std::string>& argv, milliseconds within) {
  Child child = spawn(argv);
  auto deadline = Clock::now() + within;
  Exit exit;
  read_until(child.stdout_fd, exit.out, deadline);
  exit.code = reap(child, deadline);
  if (!exit.code) {
    ::kill(child.pid, SIGKILL);
    ::waitpid(child.pid, nullptr, 0);
  }
  exit.err = slurp(child.stderr_file);
  close_child(child);
  return exit;
}

std::size_t open_fd_count(pid_t pid) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++count;
  }
  return pid == ::getpid() ? count - 1 : count;  // minus the iterator's own fd
}

std::string HttpResponse::header(std::string_view name) const {
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  };
  for (const auto& [key, value] : headers) {
    if (same(key, name)) return value;
  }
  return "";
}

HttpConnection::HttpConnection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw_errno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // On loopback a blocking connect ends at once: accepted (queued) or refused.
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    int error = errno;
    ::close(fd_);
    throw std::system_error(error, std::system_category(),
                            "connect 127.0.0.1:" + std::to_string(port));
  }
}

HttpConnection::~HttpConnection() {
  ::close(fd_);
}

void HttpConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("send");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void HttpConnection::send_get(std::string_view target, bool close) {
  std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (close) request += "Connection: close\r\n";
  send(request + "\r\n");
}

std::optional<HttpResponse> HttpConnection::read_response(milliseconds within) {
  auto deadline = Clock::now() + within;
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code error;
  for (;;) {
    if (!buffer_.empty()) {
      std::size_t used = parser.put(boost::asio::buffer(buffer_), error);
      buffer_.erase(0, used);
      if (error && error != http::error::need_more) return std::nullopt;
      if (parser.is_done()) break;
      if (used > 0 && !error) continue;
    }
    if (!wait_for(fd_, POLLIN, deadline)) return std::nullopt;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // closed: complete only if the body ran to the close
      parser.put_eof(error);
      if (error || !parser.is_done()) return std::nullopt;
      break;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  auto message = parser.release();
  HttpResponse response{message.result_int(), std::move(message.body()), message.keep_alive(), {}};
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return response;
}

std::optional<HttpResponse> HttpConnection::get(std::string_view target, bool close,
                                                milliseconds within) {
  send_get(target, close);
  return read_response(within);
}

bool HttpConnection::closed_by_peer(milliseconds within) {
  auto deadline = Clock::now() + within;
  char chunk[4096];
  for (;;) {
    if (!wait_for(fd_, POLLIN, deadline)) return false;
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    if (n < 0 && errno != EINTR) throw_errno("recv");
  }
}

std::optional<HttpResponse> http_get(std::uint16_t port, std::string_view target,
                                     milliseconds within) {
  HttpConnection connection(port);
  return connection.get(target, true, within);
}

}  // namespace evo::testing
