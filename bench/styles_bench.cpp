// What each style's machinery adds on top of a callback: a stage-2 `then`, a
// stage-3 `co_await`, and the bytes a suspended coroutine holds, beside the
// same thing in Boost.Asio (a posted handler, asio::awaitable with
// use_awaitable, co_spawn). The reactor runs on the real clock, as Asio does.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>

#include "common/reactor.hpp"
#include "measure.hpp"
#include "stage2_futures/from_callbacks.hpp"
#include "stage2_futures/future.hpp"
#include "stage3_coroutines/from_callbacks.hpp"
#include "stage3_coroutines/task.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace evo::bench {
namespace {

constexpr std::int64_t kHops = 100'000;

// Stage 1's answer to "the value is here already": call the handler.
void callback_call(benchmark::State& state) {
  std::int64_t sum = 0;
  Meter meter(state);
  for (auto _ : state) {
    for (std::int64_t i = 0; i < scaled(kHops); ++i) {
      Handler<std::int64_t> handler = [&sum](std::error_code, std::int64_t v) { sum += v; };
      handler({}, i + 1);
    }
  }
  meter.finish(scaled(kHops));
  benchmark::DoNotOptimize(sum);
}

// Stage 2's: a ready future, one then, and the end of the chain.
void then_ready(benchmark::State& state) {
  std::int64_t sum = 0;
  Meter meter(state);
  for (auto _ : state) {
    for (std::int64_t i = 0; i < scaled(kHops); ++i) {
      stage2::make_ready_future(i)
          .then([](std::int64_t v) { return v + 1; })
          .on_complete([&sum](std::error_code, std::int64_t v) { sum += v; });
    }
  }
  meter.finish(scaled(kHops));
  benchmark::DoNotOptimize(sum);
}

// A hop through the loop as stage 2 writes it: a future that a posted
// callback completes, and a then() that takes the next hop.
stage2::Future<void> yield_to(Reactor& reactor) {
  stage2::Promise<void> promise;
  stage2::Future<void> future = promise.get_future();
  reactor.post([promise = std::move(promise)]() mutable { promise.set_value(); });
  return future;
}

struct FutureHop {
  Reactor* reactor;
  std::int64_t left;
  void operator()() {
    if (--left > 0) yield_to(*reactor).then(*this);
  }
};

void then_through_loop(benchmark::State& state) {
  Reactor reactor(ClockMode::real);
  Meter meter(state);
  for (auto _ : state) {
    yield_to(reactor).then(FutureHop{&reactor, scaled(kHops)});
    reactor.run();
  }
  meter.finish(scaled(kHops));
}

// A hop through the loop as stage 3 writes it: async_call over post().
auto posted(Reactor& reactor) {
  return stage3::async_call<void>([&reactor](stage3::HandlerFor<void> handler) {
    reactor.post([handler = std::move(handler)]() mutable { handler({}); });
  });
}

stage3::Task<void> post_loop(Reactor& reactor, std::int64_t hops) {
  for (std::int64_t i = 0; i < hops; ++i) co_await posted(reactor);  // suspends
}

stage3::Task<void> sleep_loop(Reactor& reactor, std::int64_t hops) {
  for (std::int64_t i = 0; i < hops; ++i) co_await stage3::sleep_for(reactor, 0s);  // suspends
}

void rethrow(std::exception_ptr error, auto&&) {
  if (error) std::rethrow_exception(error);
}

template <auto Loop>
void co_await_evo(benchmark::State& state) {
  Reactor reactor(ClockMode::real);
  Meter meter(state);
  for (auto _ : state) {
    stage3::start(Loop(reactor, scaled(kHops)),
                  [](std::exception_ptr e, auto&& v) { rethrow(e, v); });
    reactor.run();
  }
  meter.finish(scaled(kHops));
}

asio::awaitable<void> asio_post_loop(std::int64_t hops) {
  auto executor = co_await asio::this_coro::executor;
  for (std::int64_t i = 0; i < hops; ++i) co_await asio::post(executor, asio::use_awaitable);
}

asio::awaitable<void> asio_sleep_loop(std::int64_t hops) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (std::int64_t i = 0; i < hops; ++i) {
    timer.expires_after(0s);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

template <auto Loop>
void co_await_asio(benchmark::State& state) {
  asio::io_context context(1);
  Meter meter(state);
  for (auto _ : state) {
    asio::co_spawn(context, Loop(scaled(kHops)), [](std::exception_ptr e) { rethrow(e, 0); });
    context.run();
    context.restart();
  }
  meter.finish(scaled(kHops));
}

// Heap bytes held per coroutine suspended on a one-hour timer, everything
// included (frames, the handler, the timer); and the bare frame's size.
constexpr std::int64_t kSleepers = 10'000;

stage3::Task<void> sleeper(Reactor& reactor) {
  co_await stage3::sleep_for(reactor, 1h);  // suspends
}

void suspended_bytes_evo(benchmark::State& state) {
  double per_coroutine = 0;
  double frame = 0;
  for (auto _ : state) {
    Reactor reactor(ClockMode::virtual_time);
    std::int64_t before = heap_stats().live;
    {
      auto lone = sleeper(reactor);  // created, not started: only its frame exists
      frame = static_cast<double>(heap_stats().live - before);
    }
    for (std::int64_t i = 0; i < scaled(kSleepers); ++i) {
      stage3::start(sleeper(reactor), [](std::exception_ptr e, auto&& v) { rethrow(e, v); });
    }
    per_coroutine = static_cast<double>(heap_stats().live - before) / scaled(kSleepers);
    reactor.run();  // virtual time: the hour passes at once, every coroutine ends
  }
  state.counters["live_bytes_per_item"] = per_coroutine;
  state.counters["frame_bytes"] = frame;
}

asio::awaitable<void> asio_sleeper() {
  asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
  co_await timer.async_wait(asio::use_awaitable);
}

void suspended_bytes_asio(benchmark::State& state) {
  double per_coroutine = 0;
  for (auto _ : state) {
    asio::io_context context(1);
    std::int64_t before = heap_stats().live;
    for (std::int64_t i = 0; i < scaled(kSleepers); ++i) {
      asio::co_spawn(context, asio_sleeper(), asio::detached);
    }
    context.poll();  // every coroutine runs to its timer and suspends there
    per_coroutine = static_cast<double>(heap_stats().live - before) / scaled(kSleepers);
    // ~io_context destroys the suspended frames: Asio's way to end them.
  }
  state.counters["live_bytes_per_item"] = per_coroutine;
}

BENCHMARK(callback_call)->Name("ready_value/callback");
BENCHMARK(then_ready)->Name("ready_value/then");
BENCHMARK(then_through_loop)->Name("hop_through_loop/then");
BENCHMARK(co_await_evo<post_loop>)->Name("co_await_post/evo");
BENCHMARK(co_await_asio<asio_post_loop>)->Name("co_await_post/asio");
BENCHMARK(co_await_evo<sleep_loop>)->Name("co_await_sleep0/evo");
BENCHMARK(co_await_asio<asio_sleep_loop>)->Name("co_await_sleep0/asio");
BENCHMARK(suspended_bytes_evo)->Name("bytes_per_coroutine/evo")->Iterations(3);
BENCHMARK(suspended_bytes_asio)->Name("bytes_per_coroutine/asio")->Iterations(3);

}  // namespace
}  // namespace evo::bench
