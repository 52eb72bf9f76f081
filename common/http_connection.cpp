#include "http_connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <utility>

#include "errors.hpp"

namespace evo::http {

Connection::Connection(Reactor& reactor, const sockaddr_in& peer, const std::string& peer_name,
                       const ClientOptions& options, ConnectionOwner& owner)
    : reactor_(reactor), peer_(peer), peer_name_(peer_name), options_(options), owner_(owner) {}

Connection::~Connection() {
  if (fd_ < 0) return;
  reactor_.unwatch(fd_);  // before close: epoll would otherwise report a dead fd
  ::close(fd_);
}

// A fresh connection starts with a non-blocking connect(): it returns at once
// with EINPROGRESS, the kernel does the handshake, and the socket turns
// writable when it is over, for better or worse (check_connected asks which).
// A reused one waits for writable too, although it is writable at once: then
// every step, even the first write, reaches the owner from the reactor, never
// from inside start().
std::optional<Outcome> Connection::start(std::uint64_t request, std::string bytes) {
  request_ = request;
  out_ = std::move(bytes);
  written_ = 0;
  reader_.emplace(options_.max_header_bytes, options_.max_body_bytes);
  if (fd_ >= 0) return wait(Interest::writable, &Connection::send_request);

  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return failure("socket for", errno);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&peer_), sizeof peer_) == 0 ||
      errno == EINPROGRESS) {
    return wait(Interest::writable, &Connection::check_connected);
  }
  return failure("connect to", errno);  // refused at once (it can happen on loopback)
}

// The reactor calls `step` once the socket is ready. If even the watch fails
// (the kernel refuses the fd), that is the outcome.
std::optional<Outcome> Connection::wait(Interest interest, Step step) {
  try {
    reactor_.watch(fd_, interest, [this, step] { (this->*step)(); });
  } catch (const std::system_error& e) {
    return failure("watch the socket of", e.code().value());
  }
  return std::nullopt;
}

void Connection::wait_or_finish(Interest interest, Step step) {
  if (auto failed = wait(interest, step)) finish(std::move(*failed));
}

// Writable after a non-blocking connect means "the handshake is over", not
// "it worked": SO_ERROR says which (0, or ECONNREFUSED when nobody listens).
void Connection::check_connected() {
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
  if (error != 0) return finish(failure("connect to", error));
  send_request();
}

// The kernel may take only part of the request (its send buffer is full):
// keep what is left, wait until the socket is writable again, go on from there.
// MSG_NOSIGNAL: writing to a connection the server closed must be an error
// (EPIPE) we can report, not SIGPIPE, which would kill the process.
void Connection::send_request() {
  while (written_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + written_, out_.size() - written_, MSG_NOSIGNAL);
    if (n >= 0) {
      written_ += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return wait_or_finish(Interest::writable, &Connection::send_request);  // suspends
    } else if (errno != EINTR) {
      return finish(failure("write to", errno));
    }
  }
  read_response();
}

// Readable means "there are bytes, or the end": recv() then copies what the
// kernel already received, without waiting. We read until EAGAIN ("nothing
// more for now"), feeding each piece to the reader: the answer may come in any
// number of pieces, and only the reader knows when it is complete.
void Connection::read_response() {
  char chunk[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      auto status = reader_->feed({chunk, static_cast<std::size_t>(n)});
      if (status != ResponseReader::Status::need_more) return finish_reading();
    } else if (n == 0) {
      reader_->feed_eof();  // the server closed its side
      return finish_reading();
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return wait_or_finish(Interest::readable, &Connection::read_response);  // suspends
    } else if (errno != EINTR) {
      return finish(failure("read from", errno));
    }
  }
}

void Connection::finish_reading() {
  Outcome outcome;
  if (reader_->status() == ResponseReader::Status::done) {
    outcome.reusable = reader_->reusable();
    outcome.response = reader_->take_response();
    ++answered_;
  } else {
    outcome.error = reader_->error();
    outcome.detail = reader_->detail();
    outcome.retryable = answered_ > 0 && reader_->bytes_seen() == 0;
  }
  finish(std::move(outcome));
}

// The owner may destroy this connection inside the call: nothing after it.
void Connection::finish(Outcome outcome) {
  std::uint64_t request = std::exchange(request_, 0);
  reader_.reset();
  owner_.on_exchange_done(*this, request, std::move(outcome));
}

// errno in words, with what we were doing and to whom:
// "connect to 127.0.0.1:9: Connection refused". A connection that had served
// before and now fails before any answer is the "closed while idle" case.
Outcome Connection::failure(std::string_view doing, int error) const {
  Outcome outcome;
  outcome.error = error == ECONNREFUSED ? errc::connection_refused : errc::connection_failed;
  outcome.detail =
      std::string(doing) + " " + peer_name_ + ": " + std::system_category().message(error);
  outcome.retryable = answered_ > 0 && (!reader_ || reader_->bytes_seen() == 0);
  return outcome;
}

}  // namespace evo::http
