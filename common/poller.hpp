#pragma once
// The operating system's part of the loop: epoll, behind a few calls. The
// reactor decides what to wait for, when and for how long; this only talks
// to the kernel, and remembers what it told it.
//
// An fd is registered with epoll once, on its first watch, and stays
// registered until remove(): a change of interest is one EPOLL_CTL_MOD (with
// no events at all when nothing is wanted), never an ADD and a DEL per
// readiness. When readiness was just reported, the change waits for the next
// wait(): the callback that runs in between usually asks for the same
// readiness again, and then no syscall is needed. One exception: an fd with
// nothing wanted that reports an error or hang-up anyway (epoll always does)
// is forgotten by wait(), or every wait after would end at once.
//
// epoll watches open file *descriptions*, not fd numbers: close a registered
// fd and the kernel drops it silently (or, while a duplicate of it lives on,
// keeps reporting it). Hence the rule "unwatch before close". Broken, it is
// caught where it can be: a later EPOLL_CTL_MOD fails (EBADF, ENOENT), or a
// wait that would block forever finds a wanted fd closed (fcntl: EBADF). Both
// throw std::system_error naming the fd and the rule. Not caught: a closed
// fd whose number a new file reuses before the next wait, watched for what the
// old one waited for (no syscall is made then, so the kernel cannot say).

#include <chrono>
#include <cstdint>
#include <vector>

struct epoll_event;  // <sys/epoll.h>, included by poller.cpp only

namespace evo {

enum class Interest { readable, writable };

class Poller {
 public:
  /// A set of interests, one bit each (bit()).
  using Events = std::uint8_t;
  static constexpr Events bit(Interest interest) noexcept {
    return static_cast<Events>(1u << static_cast<unsigned>(interest));
  }
  /// What wait() reports: fd is ready for `events`. An error or hang-up on fd
  /// reports every interest registered, so the next read or write finds it.
  struct Ready {
    int fd;
    Events events;
  };

  Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  ~Poller();

  /// Makes the kernel wait for exactly `events` on fd, now: EPOLL_CTL_ADD the
  /// first time, EPOLL_CTL_MOD when they change. Throws std::system_error if
  /// the kernel refuses; fd is then unknown again if it was new.
  void update(int fd, Events events);
  /// The same, told to the kernel on the next wait() unless changed back before.
  void update_later(int fd, Events events);
  /// Forgets fd (EPOLL_CTL_DEL). An fd the kernel no longer knows is not an error here.
  void remove(int fd) noexcept;
  /// Waits up to timeout_ms (-1: no limit, 0: just look) and appends the fds
  /// that became ready. A signal (EINTR) counts as "nothing yet". Before a
  /// wait without limit, throws if a wanted fd was closed (see above).
  void wait(int timeout_ms, std::vector<Ready>& ready);
  /// The timeout for wait() that ends at `deadline`: rounded up, so that the
  /// wait never ends before it, and 0 if it has passed.
  static int timeout_until(std::chrono::steady_clock::time_point deadline) noexcept;

 private:
  struct Registration {
    bool known = false;
    Events told = 0;    // what the kernel waits for
    Events wanted = 0;  // what it should wait for
  };
  void tell_kernel(int fd);
  void check_wanted_fds_open() const;

  int epoll_fd_ = -1;                  // opened on the first update(): no fds, no syscall
  std::vector<Registration> fds_;      // indexed by fd
  std::vector<int> changed_;           // fds whose update_later() is not told yet
  std::vector<::epoll_event> events_;  // wait()'s buffer, reused
};

}  // namespace evo
