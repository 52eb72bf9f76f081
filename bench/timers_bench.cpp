// Timers: arming, firing and cancelling 1,000,000 timers at random deadlines,
// and what one in-flight timer costs in memory, side by side with Boost.Asio.
//
// Neither loop may sleep here. Ours runs on the virtual clock: the timers are
// armed at random delays in [0, 1 s), then block_for(1 s) moves time past all
// of them, so run() finds every timer due at once and fires them in deadline
// order. Asio has no virtual clock, so its timers get random ABSOLUTE
// deadlines in [0, 1 s) after the steady clock's epoch: long past, so its
// run() too finds them all due at once and fires them in deadline order. Same
// heap work, same callbacks, no waiting on either side.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <random>
#include <vector>

#include "common/reactor.hpp"
#include "measure.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace evo::bench {
namespace {

constexpr std::int64_t kTimers = 1'000'000;

std::vector<Duration> random_deadlines(std::int64_t n) {
  std::mt19937_64 random(13);
  std::uniform_int_distribution<Duration::rep> within(0, Duration(1s).count() - 1);
  std::vector<Duration> deadlines(static_cast<std::size_t>(n));
  for (Duration& d : deadlines) d = Duration(within(random));
  return deadlines;
}

asio::steady_timer::time_point past(Duration d) {
  return asio::steady_timer::time_point(
      std::chrono::duration_cast<asio::steady_timer::duration>(d));
}

void arm_evo(Reactor& reactor, const std::vector<Duration>& deadlines, std::int64_t& fired,
             std::vector<TimerId>* ids = nullptr) {
  for (Duration d : deadlines) {
    TimerId id = reactor.call_after(d, [&fired] { ++fired; });
    if (ids) ids->push_back(id);
  }
}

void fire_evo(Reactor& reactor) {
  reactor.block_for(1s);  // virtual time: every deadline is now behind us
  reactor.run();
}

// Asio's way: one timer object per wait, owned by the caller. A deque holds
// them, since a steady_timer cannot be moved without the risk of a throw.
void arm_asio(asio::io_context& context, std::deque<asio::steady_timer>& timers,
              const std::vector<Duration>& deadlines, std::int64_t& fired) {
  for (Duration d : deadlines) {
    asio::steady_timer& timer = timers.emplace_back(context, past(d));
    timer.async_wait([&fired](boost::system::error_code) { ++fired; });
  }
}

void fire_asio(asio::io_context& context) {
  context.run();
  context.restart();
}

void arm_and_fire_evo(benchmark::State& state) {
  auto deadlines = random_deadlines(scaled(kTimers));
  std::int64_t fired = 0;
  Reactor reactor(ClockMode::virtual_time);
  Meter meter(state);
  for (auto _ : state) {
    arm_evo(reactor, deadlines, fired);
    fire_evo(reactor);
  }
  meter.finish(scaled(kTimers));
  if (fired != state.iterations() * scaled(kTimers)) state.SkipWithError("a timer did not fire");
}

void arm_and_fire_asio(benchmark::State& state) {
  auto deadlines = random_deadlines(scaled(kTimers));
  std::int64_t fired = 0;
  asio::io_context context(1);
  std::deque<asio::steady_timer> timers;
  Meter meter(state);
  for (auto _ : state) {
    arm_asio(context, timers, deadlines, fired);
    fire_asio(context);
    meter.untimed([&] { timers.clear(); });
  }
  meter.finish(scaled(kTimers));
  if (fired != state.iterations() * scaled(kTimers)) state.SkipWithError("a timer did not fire");
}

void arm_only_evo(benchmark::State& state) {
  auto deadlines = random_deadlines(scaled(kTimers));
  std::int64_t fired = 0;
  Reactor reactor(ClockMode::virtual_time);
  Meter meter(state);
  for (auto _ : state) {
    arm_evo(reactor, deadlines, fired);
    meter.untimed([&] { fire_evo(reactor); });
  }
  meter.finish(scaled(kTimers));
}

void arm_only_asio(benchmark::State& state) {
  auto deadlines = random_deadlines(scaled(kTimers));
  std::int64_t fired = 0;
  asio::io_context context(1);
  std::deque<asio::steady_timer> timers;
  Meter meter(state);
  for (auto _ : state) {
    arm_asio(context, timers, deadlines, fired);
    meter.untimed([&] {
      fire_asio(context);
      timers.clear();
    });
  }
  meter.finish(scaled(kTimers));
}

// Cancel every armed timer, and let the loop drain what cancelling left: our
// reactor pops the stale heap entries, Asio runs each handler with
// operation_aborted. The timers are armed untimed.
void cancel_evo(benchmark::State& state) {
  auto deadlines = random_deadlines(scaled(kTimers));
  std::int64_t fired = 0;
  Reactor reactor(ClockMode::virtual_time);
  std::vector<TimerId> ids;
  Meter meter(state);
  for (auto _ : state) {
    meter.untimed([&] {
      ids.clear();
      arm_evo(reactor, deadlines, fired, &ids);
    });
    for (TimerId id : ids) reactor.cancel(id);
    // The stale entries go when the loop next looks at its heap: one due
    // timer behind them all makes run() do that.
    reactor.block_for(1s);
    reactor.call_after(0s, [] {});
    reactor.run();
  }
  meter.finish(scaled(kTimers));
  if (fired != 0) state.SkipWithError("a cancelled timer fired");
}

void cancel_asio(benchmark::State& state) {
  auto deadlines = random_deadlines(scaled(kTimers));
  std::int64_t fired = 0;
  asio::io_context context(1);
  std::deque<asio::steady_timer> timers;
  Meter meter(state);
  for (auto _ : state) {
    meter.untimed([&] {
      auto later = asio::steady_timer::clock_type::now() + 1h;  // the same random order, ahead
      for (Duration d : deadlines) {
        timers.emplace_back(context, later + d).async_wait([&fired](boost::system::error_code ec) {
          if (!ec) ++fired;
        });
      }
    });
    for (asio::steady_timer& timer : timers) timer.cancel();
    fire_asio(context);
    meter.untimed([&] { timers.clear(); });
  }
  meter.finish(scaled(kTimers));
  if (fired != 0) state.SkipWithError("a cancelled timer fired");
}

// Heap bytes held per armed timer whose callback captures one pointer, with
// everything a program needs to keep it armed (Asio: the timer object too).
constexpr std::int64_t kInFlight = 100'000;

void in_flight_bytes_evo(benchmark::State& state) {
  std::int64_t fired = 0;
  double per_timer = 0;
  for (auto _ : state) {
    Reactor reactor(ClockMode::virtual_time);
    std::int64_t before = heap_stats().live;
    for (std::int64_t i = 0; i < scaled(kInFlight); ++i) {
      reactor.call_after(1h, [&fired] { ++fired; });
    }
    per_timer = static_cast<double>(heap_stats().live - before) / scaled(kInFlight);
    reactor.run();  // virtual time: an hour passes at once
  }
  state.counters["live_bytes_per_item"] = per_timer;
}

void in_flight_bytes_asio(benchmark::State& state) {
  std::int64_t fired = 0;
  double per_timer = 0;
  for (auto _ : state) {
    asio::io_context context(1);
    std::int64_t before = heap_stats().live;
    std::deque<asio::steady_timer> timers;
    for (std::int64_t i = 0; i < scaled(kInFlight); ++i) {
      timers.emplace_back(context, 1h).async_wait([&fired](boost::system::error_code ec) {
        if (!ec) ++fired;
      });
    }
    per_timer = static_cast<double>(heap_stats().live - before) / scaled(kInFlight);
    for (asio::steady_timer& timer : timers) timer.cancel();
    context.run();
  }
  state.counters["live_bytes_per_item"] = per_timer;
}

BENCHMARK(arm_and_fire_evo)
    ->Name("timers_arm_fire_1M/evo")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(arm_and_fire_asio)
    ->Name("timers_arm_fire_1M/asio")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(arm_only_evo)->Name("timers_arm_1M/evo")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(arm_only_asio)->Name("timers_arm_1M/asio")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(cancel_evo)->Name("timers_cancel_1M/evo")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(cancel_asio)->Name("timers_cancel_1M/asio")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(in_flight_bytes_evo)->Name("bytes_per_timer/evo")->Iterations(3);
BENCHMARK(in_flight_bytes_asio)->Name("bytes_per_timer/asio")->Iterations(3);

}  // namespace
}  // namespace evo::bench
