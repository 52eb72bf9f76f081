// Dispatch: how fast each loop runs a posted callback, side by side with
// Boost.Asio's io_context (concurrency hint 1, as a single-threaded program
// would make it). A "chain" is a callback that posts itself again until its
// hop count runs out: the loop's bare cost per callback, nothing else.
//
// Our reactor runs on the real clock here, as Asio does, except in the one
// row that shows what the clock read per loop iteration costs.

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <stdexcept>

#include "common/reactor.hpp"
#include "measure.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace evo::bench {
namespace {

constexpr std::int64_t kHops = 100'000;  // callbacks per pass, in every dispatch benchmark

// One hop of a chain: if hops are left, post yourself again; after the last,
// call `done` (which disarms whatever kept the loop busy).
template <class Done>
struct EvoHop {
  Reactor* reactor;
  std::int64_t left;
  Done* done;
  void operator()() {
    if (--left > 0) return reactor->post(*this);
    (*done)();
  }
};

template <class Done>
struct AsioHop {
  asio::io_context* context;
  std::int64_t left;
  Done* done;
  void operator()() {
    if (--left > 0) return asio::post(*context, *this);
    (*done)();
  }
};

void no_op() {}

// `chains` chains that together make kHops callbacks, on our reactor.
template <class Arm, class Done>
void run_evo_chains(benchmark::State& state, ClockMode clock, std::int64_t chains, Arm arm,
                    Done done) {
  Reactor reactor(clock);
  Meter meter(state);
  std::int64_t hops = scaled(kHops);
  for (auto _ : state) {
    arm(reactor);
    for (std::int64_t i = 0; i < chains; ++i) {
      reactor.post(EvoHop<Done>{&reactor, hops / chains, &done});
    }
    reactor.run();
  }
  meter.finish(hops / chains * chains);
}

template <class Arm, class Done>
void run_asio_chains(benchmark::State& state, asio::io_context& context, std::int64_t chains,
                     Arm arm, Done done) {
  Meter meter(state);
  std::int64_t hops = scaled(kHops);
  for (auto _ : state) {
    arm();
    for (std::int64_t i = 0; i < chains; ++i) {
      asio::post(context, AsioHop<Done>{&context, hops / chains, &done});
    }
    context.run();
    context.restart();
  }
  meter.finish(hops / chains * chains);
}

void chains_evo(benchmark::State& state, ClockMode clock, std::int64_t chains) {
  run_evo_chains(
      state, clock, chains, [](Reactor&) {}, no_op);
}

void chains_asio(benchmark::State& state, std::int64_t chains) {
  asio::io_context context(1);
  run_asio_chains(
      state, context, chains, [] {}, no_op);
}

// A timer an hour away stays armed while the chain runs; the last hop cancels it.
// Asio's row is some 17 times its plain depth-1 row, and that is Asio itself,
// not this benchmark: once an io_context has a timer (or any I/O object), its
// reactor task sits in the handler queue and runs an epoll_wait(0) between
// every two handlers (strace counts 1001 epoll_wait for 1000 hops). The timer
// is armed exactly as Asio's own timer examples arm one.
void idle_timer_evo(benchmark::State& state) {
  Reactor* loop = nullptr;
  TimerId timer;
  auto arm = [&](Reactor& reactor) {
    loop = &reactor;
    timer = reactor.call_after(1h, [] {});
  };
  auto done = [&] { loop->cancel(timer); };
  run_evo_chains(state, ClockMode::real, 1, arm, done);
}

void idle_timer_asio(benchmark::State& state) {
  asio::io_context context(1);
  asio::steady_timer timer(context);
  auto arm = [&] {
    timer.expires_after(1h);
    timer.async_wait([](boost::system::error_code) {});
  };
  auto done = [&] { timer.cancel(); };
  run_asio_chains(state, context, 1, arm, done);
}

// A socket that never becomes readable is watched while the chain runs.
struct SocketPair {
  int fds[2];
  SocketPair() {
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw std::runtime_error("socketpair");
  }
  ~SocketPair() { ::close(fds[0]), ::close(fds[1]); }
};

void idle_fd_evo(benchmark::State& state) {
  SocketPair pair;
  Reactor* loop = nullptr;
  auto arm = [&](Reactor& reactor) {
    loop = &reactor;
    reactor.watch(pair.fds[0], Interest::readable, [] {});
  };
  auto done = [&] { loop->unwatch(pair.fds[0]); };
  run_evo_chains(state, ClockMode::real, 1, arm, done);
}

void idle_fd_asio(benchmark::State& state) {
  SocketPair pair;
  asio::io_context context(1);
  asio::posix::stream_descriptor watched(context, ::dup(pair.fds[0]));
  auto arm = [&] {
    watched.async_wait(asio::posix::stream_descriptor::wait_read, [](boost::system::error_code) {});
  };
  auto done = [&] { watched.cancel(); };
  run_asio_chains(state, context, 1, arm, done);
}

BENCHMARK_CAPTURE(chains_evo, real, ClockMode::real, 1000)->Name("post_1000_chains/evo");
BENCHMARK_CAPTURE(chains_asio, real, 1000)->Name("post_1000_chains/asio");
BENCHMARK_CAPTURE(chains_evo, real, ClockMode::real, 1)->Name("post_depth1/evo");
BENCHMARK_CAPTURE(chains_evo, virtual, ClockMode::virtual_time, 1)
    ->Name("post_depth1_virtual_clock/evo");
BENCHMARK_CAPTURE(chains_asio, real, 1)->Name("post_depth1/asio");
BENCHMARK(idle_timer_evo)->Name("post_depth1_idle_timer/evo");
BENCHMARK(idle_timer_asio)->Name("post_depth1_idle_timer/asio");
BENCHMARK(idle_fd_evo)->Name("post_depth1_idle_fd/evo");
BENCHMARK(idle_fd_asio)->Name("post_depth1_idle_fd/asio");

}  // namespace
}  // namespace evo::bench
