// Specifies common/reactor, part 4: the fd API grown for real sockets. Read
// and write interest on one fd at once, the fd registered with the kernel
// from its first watch to unwatch(fd), and a clear error, never a hang, when
// an fd is closed without unwatch.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "common/reactor.hpp"
#include "tests/pipe.hpp"

namespace {

using evo::ClockMode;
using evo::EventKind;
using evo::Interest;
using evo::Reactor;
using evo::Recorder;
using evo::testing::Pipe;

// A connected pair of stream sockets, closed on scope exit.
struct SocketPair {
  int fds[2];
  SocketPair() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0) {
      throw std::system_error(errno, std::system_category(), "socketpair");
    }
  }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
};

// What the kernel's epoll instances of this process wait for, fd -> events
// (EPOLLIN 0x1, EPOLLOUT 0x4), read from /proc/self/fdinfo: the only witness
// of registrations that the reactor keeps private.
std::map<int, unsigned> epoll_registrations() {
  std::map<int, unsigned> found;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return found;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    char target[64] = {};
    std::string link = "/proc/self/fd/" + name;
    if (::readlink(link.c_str(), target, sizeof target - 1) < 0) continue;
    if (std::string(target) != "anon_inode:[eventpoll]") continue;
    std::ifstream info("/proc/self/fdinfo/" + name);
    std::string word;
    while (info >> word) {
      if (word != "tfd:") continue;
      int fd;
      std::string events_word;
      info >> fd >> events_word >> std::hex >> found[fd] >> std::dec;
    }
  }
  ::closedir(dir);
  return found;
}

TEST(ReactorFd, WatchesReadAndWriteOnOneFdAtTheSameTime) {
  Reactor r(ClockMode::virtual_time);
  SocketPair sockets;
  int fd = sockets.fds[0];
  std::vector<std::string> order;
  r.watch(fd, Interest::readable, [&] { order.push_back("readable"); });
  r.watch(fd, Interest::writable, [&] {
    order.push_back("writable");  // writable at once; readable only once the peer writes
    r.call_after(std::chrono::seconds(1), [&] { ASSERT_EQ(::write(sockets.fds[1], "x", 1), 1); });
  });
  EXPECT_EQ(r.pending(), 2u);
  r.run();

  EXPECT_EQ(order, (std::vector<std::string>{"writable", "readable"}));
  EXPECT_EQ(r.now(), std::chrono::seconds(1));
  EXPECT_EQ(r.stats().fd_events, 2u);
  EXPECT_TRUE(r.unwatch(fd) == false && r.pending() == 0u);
}

TEST(ReactorFd, BothInterestsReadyAtOnceRunBothCallbacks) {
  Reactor r(ClockMode::virtual_time);
  SocketPair sockets;
  ASSERT_EQ(::write(sockets.fds[1], "x", 1), 1);
  int calls = 0;
  r.watch(sockets.fds[0], Interest::readable, [&] { ++calls; });
  r.watch(sockets.fds[0], Interest::writable, [&] { ++calls; });
  r.run();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(r.stats().iterations, 2u) << "both fired from one poll";
  r.unwatch(sockets.fds[0]);
}

TEST(ReactorFd, UnwatchOfOneInterestKeepsTheOther) {
  Reactor r(ClockMode::virtual_time);
  SocketPair sockets;
  int fd = sockets.fds[0];
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> observed = token;
  bool read = false, wrote = false;
  r.watch(fd, Interest::readable, [&] { read = true; });
  r.watch(fd, Interest::writable, [&wrote, token = std::move(token)] { wrote = true; });

  EXPECT_TRUE(r.unwatch(fd, Interest::writable));
  EXPECT_TRUE(observed.expired()) << "the dropped callback is destroyed at once";
  EXPECT_FALSE(r.unwatch(fd, Interest::writable)) << "nothing left for that interest";
  EXPECT_EQ(r.pending(), 1u);
  ASSERT_EQ(::write(sockets.fds[1], "x", 1), 1);
  r.run();

  EXPECT_TRUE(read);
  EXPECT_FALSE(wrote);
  r.unwatch(fd);
}

TEST(ReactorFd, UnwatchDropsBothInterests) {
  Reactor r(ClockMode::virtual_time);
  SocketPair sockets;
  int fd = sockets.fds[0];
  bool ran = false;
  r.watch(fd, Interest::readable, [&] { ran = true; });
  r.watch(fd, Interest::writable, [&] { ran = true; });
  EXPECT_TRUE(r.unwatch(fd));
  EXPECT_EQ(r.pending(), 0u);
  r.run();
  EXPECT_FALSE(ran);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

// Not an EPOLL_CTL_ADD and _DEL per readiness: the kernel keeps the fd from
// its first watch to unwatch(fd), with the union of what is pending.
TEST(ReactorFd, KeepsTheFdRegisteredWithTheKernelFromFirstWatchToUnwatch) {
  Reactor r(ClockMode::virtual_time);
  SocketPair sockets;
  int fd = sockets.fds[0];
  r.watch(fd, Interest::readable, [] {});
  r.watch(fd, Interest::writable, [] {});
  EXPECT_EQ(epoll_registrations()[fd] & 0x5u, 0x5u) << "one registration, both interests";
  ASSERT_EQ(::write(sockets.fds[1], "x", 1), 1);
  r.run();

  auto after_run = epoll_registrations();
  EXPECT_TRUE(after_run.contains(fd)) << "still registered once both watches fired";
  EXPECT_TRUE(r.unwatch(fd) == false);
  EXPECT_FALSE(epoll_registrations().contains(fd)) << "unwatch(fd) forgets it";
}

TEST(ReactorFd, AnFdRegisteredWithNothingPendingDoesNotKeepRunAlive) {
  Reactor r(ClockMode::virtual_time);
  SocketPair sockets;
  int fd = sockets.fds[0];
  int calls = 0;
  r.watch(fd, Interest::writable, [&] {
    ++calls;
    r.watch(fd, Interest::readable, [&] { ++calls; });
    EXPECT_TRUE(r.unwatch(fd, Interest::readable));
  });
  r.run();  // a hang here is the failure
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.pending(), 0u);
  r.unwatch(fd);
}

TEST(ReactorFd, TraceShowsEachWatchWithItsInterest) {
  Reactor r(ClockMode::virtual_time);
  Recorder recorder;
  r.set_observer(&recorder);
  SocketPair sockets;
  int fd = sockets.fds[0];
  std::string name = "fd " + std::to_string(fd);
  r.watch(fd, Interest::readable, [] {});
  r.watch(fd, Interest::writable, [&] { r.unwatch(fd); });  // writable at once
  r.run();

  std::vector<std::pair<EventKind, std::string>> fd_events;
  for (const auto& e : recorder.entries()) {
    if (e.kind == EventKind::fd_watched || e.kind == EventKind::fd_ready ||
        e.kind == EventKind::fd_unwatched) {
      fd_events.emplace_back(e.kind, e.detail);
    }
  }
  EXPECT_EQ(fd_events, (std::vector<std::pair<EventKind, std::string>>{
                           {EventKind::fd_watched, name + " readable"},
                           {EventKind::fd_watched, name + " writable"},
                           {EventKind::fd_ready, ""},
                           {EventKind::fd_unwatched, name},
                       }));
}

// The rule "unwatch before close", broken in the two ways the loop can see.
// First: the watched fd is closed and nothing else can end the wait. The
// kernel drops a closed fd from epoll silently, so without a check run()
// would block forever: the death test's alarm turns that into a failure.
TEST(ReactorFdDeathTest, ClosingAWatchedFdWithoutUnwatchMakesRunThrowInsteadOfHanging) {
  for (ClockMode clock : {ClockMode::virtual_time, ClockMode::real}) {
    EXPECT_EXIT(
        {
          ::alarm(5);  // the old loop blocks in epoll_wait forever
          Reactor r(clock);
          int fds[2];
          if (::pipe(fds) != 0) std::_Exit(5);
          int fd = fds[0];
          r.watch(fd, Interest::readable, [] {});
          ::close(fd);
          try {
            r.run();
          } catch (const std::system_error& e) {
            std::fprintf(stderr, "%s\n", e.what());
            bool recovered = r.unwatch(fd) && (r.run(), r.pending() == 0);
            std::_Exit(recovered ? 3 : 4);
          }
          std::_Exit(0);
        },
        ::testing::ExitedWithCode(3), R"(fd [0-9]+ is watched.*unwatch\(fd\) before close\(fd\))");
  }
}

// Second: a watch on an fd the loop still knows, closed since: EPOLL_CTL_MOD
// fails, and watch() says why, leaving the callback with the caller.
TEST(ReactorFd, WatchingAgainAnFdClosedWithoutUnwatchThrowsAClearError) {
  Reactor r(ClockMode::virtual_time);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  r.watch(fds[0], Interest::readable, [] {});
  ::close(fds[0]);
  int calls = 0;
  evo::Callback mine = [&calls] { ++calls; };
  try {
    r.watch(fds[0], Interest::writable, std::move(mine));
    ADD_FAILURE() << "watch of a closed fd did not throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EBADF);
    EXPECT_NE(std::string(e.what()).find("call unwatch(fd) before close(fd)"), std::string::npos)
        << e.what();
  }
  ASSERT_TRUE(mine) << "a watch that throws must not consume the callback";
  EXPECT_TRUE(r.unwatch(fds[0]));
  EXPECT_EQ(r.pending(), 0u);
  ::close(fds[1]);
}

// The same when the closed fd's number was reused by a new pipe: the kernel
// does not know the new file under the old registration (ENOENT).
TEST(ReactorFd, WatchingAReusedFdNumberAfterCloseWithoutUnwatchThrowsAClearError) {
  Reactor r(ClockMode::virtual_time);
  int old_fd;
  {
    Pipe first;
    old_fd = first.read_end();
    r.watch(old_fd, Interest::readable, [] {});
  }  // closed without unwatch
  Pipe second;
  ASSERT_EQ(second.read_end(), old_fd) << "POSIX hands out the lowest free number";
  try {
    r.watch(second.read_end(), Interest::writable, [] {});
    ADD_FAILURE() << "watch of a reused fd number did not throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("call unwatch(fd) before close(fd)"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(r.unwatch(old_fd));
  r.watch(second.read_end(), Interest::readable, [] {});  // known afresh: works again
  EXPECT_TRUE(r.unwatch(second.read_end()));
}

}  // namespace

// An idle fd (registered, nothing wanted: a kept-alive connection) whose peer
// hangs up: epoll reports EPOLLHUP even for an empty event mask, at every
// wait, level-triggered. While another watch is pending the loop must still
// block, not wake at once each time for a report that wakes no watch.
TEST(ReactorFd, AHungUpFdWithNothingWantedDoesNotSpinTheLoop) {
  Reactor r(ClockMode::real);
  SocketPair idle;
  Pipe other;
  ASSERT_EQ(::write(idle.fds[1], "x", 1), 1);
  r.watch(idle.fds[0], Interest::readable, [&] {
    char c;
    EXPECT_EQ(::read(idle.fds[0], &c, 1), 1);
    ::shutdown(idle.fds[1], SHUT_RDWR);  // the peer goes away; nothing is wanted of fds[0] now
  });
  r.watch(other.read_end(), Interest::readable, [&] {
    r.unwatch(idle.fds[0]);
    r.unwatch(other.read_end());
  });
  r.call_after(std::chrono::milliseconds(20), [&] { other.write_byte(); });
  r.run();
  EXPECT_LT(r.stats().iterations, 10u) << "the loop spun on the hang-up for 20 ms";
}

// A loop that only posts reads no clock (reactor.cpp, update_clock). Work
// that takes time in such an iteration must not leave the next watch + timer
// measuring the timer's delay from before it: the deadline counts from when
// it was armed.
TEST(ReactorFd, ATimerArmedAfterAWatchCountsFromNowNotFromAStaleClock) {
  using namespace std::chrono_literals;
  Reactor r(ClockMode::real);
  Pipe pipe;
  evo::Duration fired_at{};
  r.post([&] {
    // CPU-bound work, 50 ms, that the reactor does not see (block_for would
    // read the clock after it, and hide the stale read).
    for (auto end = std::chrono::steady_clock::now() + 50ms;
         std::chrono::steady_clock::now() < end;) {
    }
    r.post([&] {  // the next iteration: nothing was pending, so no clock read
      r.watch(pipe.read_end(), Interest::readable, [] {});
      r.call_after(50ms, [&] {
        fired_at = r.now();
        r.unwatch(pipe.read_end());
      });
    });
  });
  r.run();
  EXPECT_GE(fired_at, 100ms) << "the 50 ms timer counted from before the 50 ms of work";
}
