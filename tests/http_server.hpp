#pragma once
// Servers written in the test, for the HTTP client tests: a listening socket
// on 127.0.0.1, port 0 (the kernel picks a free one), and a thread that
// accepts connections one after another and runs one scripted session on each,
// with plain blocking sockets. Every wait is bounded (5 s), so a broken client
// fails its test instead of hanging it; the destructor stops and joins.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/unique_function.hpp"

namespace evo::testing {

inline int listening_socket(std::uint16_t& port, bool listen_too = true) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::system_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      (listen_too && ::listen(fd, 16) != 0) ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int error = errno;
    ::close(fd);
    throw std::system_error(error, std::system_category(), "bind/listen");
  }
  port = ntohs(addr.sin_port);
  return fd;
}

/// A port nobody listens on: bound, then closed.
inline std::uint16_t closed_port() {
  std::uint16_t port = 0;
  ::close(listening_socket(port, false));
  return port;
}

/// Open fds of this process (the count is what matters, not which).
inline std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

/// Reads one request head (up to the blank line) into `head` if given. False
/// if the peer closed first.
inline bool read_request(int fd, std::string* head = nullptr) {
  std::string bytes;
  char chunk[64 * 1024];
  std::size_t from = 0;  // the blank line is not before this: search only the new bytes
  while (bytes.find("\r\n\r\n", from) == std::string::npos) {
    from = bytes.size() < 3 ? 0 : bytes.size() - 3;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    bytes.append(chunk, static_cast<std::size_t>(n));
  }
  if (head) *head = std::move(bytes);
  return true;
}

/// Sends everything (or as much as the peer takes before it goes away).
inline bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Blocks until the peer closes (or 5 s pass): "accept and never answer".
inline void wait_for_close(int fd) {
  char chunk[512];
  while (::recv(fd, chunk, sizeof chunk, 0) > 0) {
  }
}

inline std::string ok_response(std::string_view body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

class TestServer {
 public:
  using Session = std::function<void(int fd)>;

  /// One session per connection, in the order they are accepted.
  explicit TestServer(std::vector<Session> sessions)
      : listen_fd_(listening_socket(port_)), thread_([this, sessions = std::move(sessions)] {
          for (const Session& session : sessions) {
            pollfd p{listen_fd_, POLLIN, 0};
            if (::poll(&p, 1, 5000) != 1) return;
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) return;
            ++accepted_;
            timeval limit{5, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
            session(fd);
            ::close(fd);
          }
        }) {}
  ~TestServer() {
    finish();
    ::close(listen_fd_);
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  /// Stops accepting, waits for the session running (if any) to end, and says
  /// how many connections were accepted. Call it once the client is gone.
  int finish() {
    if (thread_.joinable()) {
      ::shutdown(listen_fd_, SHUT_RDWR);  // wakes a poll() still waiting for a client
      thread_.join();
    }
    return accepted_;
  }

 private:
  std::uint16_t port_ = 0;
  int listen_fd_;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

/// A test fixture for the client tests: every test must leave the process as
/// it found it, with no fd open and no handler alive that it did not start with.
class LeakCheckedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fds_before_ = open_fds();
    handlers_before_ = live_handlers();
  }
  void TearDown() override {
    EXPECT_EQ(open_fds(), fds_before_) << "an fd leaked";
    EXPECT_EQ(live_handlers(), handlers_before_) << "a handler leaked";
  }

 private:
  std::size_t fds_before_ = 0;
  std::size_t handlers_before_ = 0;
};

}  // namespace evo::testing
