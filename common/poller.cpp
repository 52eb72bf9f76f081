#include "poller.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string>
#include <system_error>

namespace evo {
namespace {

[[noreturn]] void throw_closed(int error, int fd, const char* what) {
  throw std::system_error(error, std::system_category(),
                          "fd " + std::to_string(fd) + " " + what +
                              ": it was closed while the reactor still knew it; "
                              "call unwatch(fd) before close(fd)");
}

std::uint32_t to_epoll(Poller::Events events) {
  return (events & Poller::bit(Interest::readable) ? EPOLLIN : 0u) |
         (events & Poller::bit(Interest::writable) ? EPOLLOUT : 0u);
}

}  // namespace

Poller::Poller() : events_(64) {}

Poller::~Poller() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void Poller::update(int fd, Events events) {
  if (epoll_fd_ < 0) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw std::system_error(errno, std::system_category(), "epoll_create1");
  }
  if (static_cast<std::size_t>(fd) >= fds_.size()) fds_.resize(fd + 1);
  fds_[fd].wanted = events;
  tell_kernel(fd);
}

void Poller::update_later(int fd, Events events) {
  Registration& r = fds_[fd];
  if (r.wanted == r.told && events != r.told) changed_.push_back(fd);
  r.wanted = events;
}

void Poller::remove(int fd) noexcept {
  if (fd < 0 || static_cast<std::size_t>(fd) >= fds_.size() || !fds_[fd].known) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  fds_[fd] = {};
}

// The one place that calls EPOLL_CTL_ADD or _MOD. A MOD that fails with
// EBADF or ENOENT means the fd was closed behind our back (ENOENT: and its
// number reused); anything else is the kernel refusing this fd.
void Poller::tell_kernel(int fd) {
  Registration& r = fds_[fd];
  if (r.known && r.told == r.wanted) return;
  epoll_event ev{};
  ev.events = to_epoll(r.wanted);
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, r.known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
    int error = errno;
    if (r.known && (error == EBADF || error == ENOENT)) throw_closed(error, fd, "epoll_ctl");
    if (!r.known) r = {};
    throw std::system_error(error, std::system_category(), "epoll_ctl on fd " + std::to_string(fd));
  }
  r.known = true;
  r.told = r.wanted;
}

// Only before a wait that nothing else would end: one fcntl per watched fd
// is cheap next to blocking forever.
void Poller::check_wanted_fds_open() const {
  for (std::size_t fd = 0; fd < fds_.size(); ++fd) {
    if (fds_[fd].wanted != 0 && ::fcntl(static_cast<int>(fd), F_GETFD) < 0 && errno == EBADF) {
      throw_closed(EBADF, static_cast<int>(fd), "is watched");
    }
  }
}

void Poller::wait(int timeout_ms, std::vector<Ready>& ready) {
  for (; !changed_.empty(); changed_.pop_back()) {
    if (fds_[changed_.back()].known) tell_kernel(changed_.back());  // unless removed since
  }
  if (timeout_ms < 0) check_wanted_fds_open();
  int n = ::epoll_wait(epoll_fd_, events_.data(), static_cast<int>(events_.size()), timeout_ms);
  if (n < 0 && errno != EINTR) throw std::system_error(errno, std::system_category(), "epoll_wait");
  for (int i = 0; i < n; ++i) {
    std::uint32_t got = events_[i].events;
    int fd = events_[i].data.fd;
    // An error or hang-up answers every interest: the read or write says which.
    if (got & (EPOLLERR | EPOLLHUP)) got |= EPOLLIN | EPOLLOUT;
    Events events = (got & EPOLLIN ? bit(Interest::readable) : 0) |
                    (got & EPOLLOUT ? bit(Interest::writable) : 0);
    events &= fds_[fd].told;
    if (events != 0) {
      ready.push_back({fd, events});
    } else {
      // Nothing asked of fd, yet reported: an error or hang-up, which epoll
      // reports even for an empty event mask, and at every wait until fd is
      // closed. Kept registered, it would end each wait at once: the loop
      // spins while anything else is pending. Forget it; its next watch
      // (update()) adds it again, and then hears the hang-up.
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      fds_[fd] = {};
    }
  }
}

int Poller::timeout_until(std::chrono::steady_clock::time_point deadline) noexcept {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, INT_MAX));
}

}  // namespace evo
