#pragma once
// The operating system's part of the loop: epoll, behind three calls. The
// reactor decides when to wait and for how long; this only talks to the kernel.
//
// epoll watches open file *descriptions*, not fd numbers: close an fd without
// remove() while a duplicate of it lives on, and the kernel keeps reporting it.
// Hence the rule "unwatch before you close".

#include <chrono>
#include <vector>

namespace evo {

enum class Interest { readable, writable };

class Poller {
 public:
  Poller() = default;
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  ~Poller();

  /// Starts watching fd (one-shot use: the reactor removes it once it fired).
  /// Throws std::system_error if the kernel refuses.
  void add(int fd, Interest interest);
  /// Stops watching fd. An fd the kernel no longer knows is not an error here.
  void remove(int fd) noexcept;
  /// Waits up to timeout_ms (-1: no limit, 0: just look) and appends the fds
  /// that became ready. A signal (EINTR) counts as "nothing yet".
  void wait(int timeout_ms, std::vector<int>& ready);
  /// The timeout for wait() that ends at `deadline`: rounded up, so that the
  /// wait never ends before it, and 0 if it has passed.
  static int timeout_until(std::chrono::steady_clock::time_point deadline) noexcept;

 private:
  int epoll_fd_ = -1;  // opened on the first add(): a loop without fds makes no syscall
};

}  // namespace evo
