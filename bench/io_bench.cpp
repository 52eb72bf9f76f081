// fd readiness: a byte bounced between the two ends of a socketpair. Each hop
// waits for one end to become readable, reads the byte, and writes it back
// through that end, so that the other end becomes readable next.
//
// Ours: Reactor::watch, a one-shot watch per hop (each costs an epoll_ctl to
// add and one to remove, and an epoll_wait). Asio, two ways: async_wait on a
// posix::stream_descriptor (the same "tell me when it is readable, I read
// myself" shape as ours), and the way Asio's own examples do socket I/O,
// async_read_some on a local socket, where Asio first TRIES the read and only
// waits in epoll when there is nothing to read.

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <stdexcept>

#include "common/reactor.hpp"
#include "measure.hpp"

namespace asio = boost::asio;

namespace evo::bench {
namespace {

constexpr std::int64_t kHops = 20'000;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

struct EvoPingPong {
  Reactor& reactor;
  int fds[2];
  std::int64_t left;

  void wait_on(int side) {
    reactor.watch(fds[side], Interest::readable, [this, side] { bounce(side); });
  }
  void bounce(int side) {
    char byte;
    check(::read(fds[side], &byte, 1) == 1, "read");
    if (--left == 0) return;
    check(::write(fds[side], &byte, 1) == 1, "write");
    wait_on(1 - side);
  }
};

void ping_pong_evo(benchmark::State& state) {
  int fds[2];
  check(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
  Reactor reactor(ClockMode::real);
  Meter meter(state);
  for (auto _ : state) {
    EvoPingPong game{reactor, {fds[0], fds[1]}, scaled(kHops)};
    char byte = 'x';
    check(::write(fds[0], &byte, 1) == 1, "write");
    game.wait_on(1);
    reactor.run();
  }
  meter.finish(scaled(kHops));
  ::close(fds[0]), ::close(fds[1]);
}

struct AsioWaitPingPong {
  asio::posix::stream_descriptor ends[2];
  std::int64_t left;

  void wait_on(int side) {
    ends[side].async_wait(asio::posix::stream_descriptor::wait_read,
                          [this, side](boost::system::error_code ec) {
                            check(!ec, "async_wait");
                            bounce(side);
                          });
  }
  void bounce(int side) {
    char byte;
    check(::read(ends[side].native_handle(), &byte, 1) == 1, "read");
    if (--left == 0) return;
    check(::write(ends[side].native_handle(), &byte, 1) == 1, "write");
    wait_on(1 - side);
  }
};

void ping_pong_asio_wait(benchmark::State& state) {
  int fds[2];
  check(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
  asio::io_context context(1);
  AsioWaitPingPong game{{asio::posix::stream_descriptor(context, fds[0]),
                         asio::posix::stream_descriptor(context, fds[1])},
                        0};
  Meter meter(state);
  for (auto _ : state) {
    game.left = scaled(kHops);
    char byte = 'x';
    check(::write(fds[0], &byte, 1) == 1, "write");
    game.wait_on(1);
    context.run();
    context.restart();
  }
  meter.finish(scaled(kHops));
}

struct AsioSocketPingPong {
  asio::local::stream_protocol::socket ends[2];
  std::int64_t left;
  char byte = 'x';

  void read_on(int side) {
    ends[side].async_read_some(asio::buffer(&byte, 1),
                               [this, side](boost::system::error_code ec, std::size_t) {
                                 check(!ec, "async_read_some");
                                 if (--left == 0) return;
                                 ends[side].write_some(asio::buffer(&byte, 1));
                                 read_on(1 - side);
                               });
  }
};

void ping_pong_asio_socket(benchmark::State& state) {
  asio::io_context context(1);
  AsioSocketPingPong game{{asio::local::stream_protocol::socket(context),
                           asio::local::stream_protocol::socket(context)},
                          0};
  asio::local::connect_pair(game.ends[0], game.ends[1]);
  Meter meter(state);
  for (auto _ : state) {
    game.left = scaled(kHops);
    game.ends[0].write_some(asio::buffer(&game.byte, 1));
    game.read_on(1);
    context.run();
    context.restart();
  }
  meter.finish(scaled(kHops));
}

BENCHMARK(ping_pong_evo)->Name("fd_ping_pong/evo");
BENCHMARK(ping_pong_asio_wait)->Name("fd_ping_pong/asio_async_wait");
BENCHMARK(ping_pong_asio_socket)->Name("fd_ping_pong/asio_read_some");

}  // namespace
}  // namespace evo::bench
