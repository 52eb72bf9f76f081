// stage1_loop: a loop in callback style is a handler that re-arms itself.
//
// A `for` cannot wrap an asynchronous step: the step returns before its
// result exists. So the handler that receives one step's result starts the
// next step, and hands the loop's state on to that step's handler. Each step
// returns to the reactor before the next one runs: the stack stays flat, and
// only the step in flight is alive. This program runs such a loop a million
// times, checks both, then retries a flaky service with back-off.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/services.hpp"

using namespace std::chrono_literals;
using namespace evo;

namespace {

// What the loop costs, noted at every step: the most handlers alive at once,
// and how far apart the deepest and the shallowest stack frames were.
struct Cost {
  std::size_t most_alive = 0;
  std::uintptr_t low = UINTPTR_MAX;
  std::uintptr_t high = 0;

  void note(std::size_t alive) {
    auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    most_alive = std::max(most_alive, alive);
    low = std::min(low, here);
    high = std::max(high, here);
  }
};

Cost cost;

void say(Reactor& reactor, const std::string& text) {
  std::printf("  %s  %s\n", format_seconds(reactor.now()).c_str(), text.c_str());
}

// 1. Count to n, one turn of the loop per step.
struct Count {
  Reactor& reactor;
  int left;
  UniqueFunction<void()> done;
};

void count_step(std::unique_ptr<Count> count) {
  cost.note(live_handlers());
  if (count->left-- == 0) return count->done();
  Reactor& reactor = count->reactor;
  reactor.call_after(0s, [count = std::move(count)]() mutable {  // suspends
    count_step(std::move(count));
  });
}

void count_to(Reactor& reactor, int n, UniqueFunction<void()> done) {
  count_step(std::make_unique<Count>(reactor, n, std::move(done)));
}

// 2. Retry with back-off: the same loop, where a round is one try and, after
// a failure, a wait that doubles each time.

// A service that fails twice, then answers: what a retry is for.
void flaky_fetch(Reactor& reactor, int& calls, Handler<int> handler) {
  int call = ++calls;
  reactor.call_after(
      100ms,
      [call, handler = std::move(handler)]() mutable {
        if (call < 3) return handler(errc::connection_failed, 0);
        handler({}, 42);
      },
      "flaky_fetch");
}

struct Retry {
  Reactor& reactor;
  int& calls;
  int tries_left;
  Duration wait;
  Handler<int> handler;
};

void try_once(std::unique_ptr<Retry> retry) {
  Reactor& reactor = retry->reactor;  // the Retry stays put: the handler owns it from now on
  int& calls = retry->calls;
  auto on_answer = [retry = std::move(retry)](std::error_code ec, int value) mutable {
    if (!ec) return retry->handler({}, value);
    if (--retry->tries_left == 0) return retry->handler(ec, {});  // the last error
    Duration wait = std::exchange(retry->wait, retry->wait * 2);
    say(retry->reactor, ec.message() + "; next try in " + format_seconds(wait));
    Reactor& reactor = retry->reactor;
    auto again = [retry = std::move(retry)]() mutable { try_once(std::move(retry)); };
    reactor.call_after(wait, std::move(again), "backoff");  // suspends
  };
  flaky_fetch(reactor, calls, std::move(on_answer));  // suspends
}

void fetch_with_retry(Reactor& reactor, int& calls, int attempts, Duration backoff,
                      Handler<int> handler) {
  try_once(std::make_unique<Retry>(reactor, calls, attempts, backoff, std::move(handler)));
}

bool check(bool ok, const char* what) {
  if (!ok) std::printf("FAILED: %s\n", what);
  return ok;
}

}  // namespace

int main() {
  constexpr int iterations = 1'000'000;
  Reactor reactor(ClockMode::virtual_time);
  bool counted = false;
  count_to(reactor, iterations, [&] { counted = true; });
  reactor.run();
  std::printf(
      "%d iterations through the reactor: at most %zu handlers alive, stack span %zu bytes\n",
      iterations, cost.most_alive, static_cast<std::size_t>(cost.high - cost.low));
  bool ok = check(counted, "the loop finished");
  ok &= check(cost.most_alive <= 2, "constant memory: the step in flight and the final handler");
  ok &= check(cost.high - cost.low < 64 * 1024, "constant stack");

  std::printf("Retry with back-off:\n");
  Reactor retrying(ClockMode::virtual_time);
  int calls = 0;
  fetch_with_retry(retrying, calls, 5, 1s, [&](std::error_code ec, int value) {
    say(retrying, ec ? "gave up: " + ec.message() : "got " + std::to_string(value));
  });
  retrying.run();
  ok &= check(calls == 3, "three tries: two failures, then the answer");
  ok &= check(retrying.now() == 100ms + 1s + 100ms + 2s + 100ms, "waits of 1 s, then 2 s");
  ok &= check(live_handlers() == 0, "no handler leaked");
  return ok ? 0 : 1;
}
