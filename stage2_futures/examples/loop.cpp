// stage2_loop: loops with futures, in constant memory. Read
// stage1_callbacks/examples/loop.cpp first: the same two loops, with handlers.
//
// `repeat` (combinators.hpp) takes a step that returns a Future<Repeat> and
// runs it again until a step says Repeat::stop. Each round's future is
// consumed by the next round, so a loop keeps one step in flight whatever its
// length; then() recursion would keep every iteration's state alive until the
// last. This program runs such a loop a million times, checks both the
// states alive and the stack, then retries a flaky service with back-off.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/services.hpp"
#include "stage2_futures/combinators.hpp"
#include "stage2_futures/from_callbacks.hpp"

using namespace std::chrono_literals;
using namespace evo;
using namespace evo::stage2;

namespace {

// What the loop costs, noted at every step: the most states alive at once,
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
Future<void> count_to(Reactor& reactor, int n) {
  return repeat([&reactor, left = n]() mutable {
    cost.note(live_states());
    if (left-- == 0) return make_ready_future(Repeat::stop);
    return sleep_for(reactor, 0s).then([] { return Repeat::again; });  // suspends
  });
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

Future<int> fetch_with_retry(Reactor& reactor, int& calls, int attempts, Duration backoff) {
  struct Retry {
    int tries_left;
    Duration wait;
    int value = 0;
  };
  auto retry = std::make_shared<Retry>(attempts, backoff);
  auto try_once = [&reactor, &calls, retry] {
    return make_future<int>([&](Handler<int> handler) {  // suspends
             flaky_fetch(reactor, calls, std::move(handler));
           })
        .then([retry](int value) {
          retry->value = value;
          return Repeat::stop;
        })
        .catch_error([&reactor, retry](std::error_code ec) {
          if (--retry->tries_left == 0) return make_error_future<Repeat>(ec);  // the last error
          Duration wait = std::exchange(retry->wait, retry->wait * 2);
          say(reactor, ec.message() + "; next try in " + format_seconds(wait));
          return sleep_for(reactor, wait).then([] { return Repeat::again; });  // suspends
        });
  };
  return repeat(try_once).then([retry] { return retry->value; });
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
  count_to(reactor, iterations).then([&] { counted = true; });
  reactor.run();
  std::printf("%d iterations through the reactor: at most %zu states alive, stack span %zu bytes\n",
              iterations, cost.most_alive, static_cast<std::size_t>(cost.high - cost.low));
  bool ok = check(counted, "the loop finished");
  // The loop's result and its reader's, and the round that just ended: its
  // sleep and its then.
  ok &= check(cost.most_alive <= 4, "constant memory");
  ok &= check(cost.high - cost.low < 64 * 1024, "constant stack");

  std::printf("Retry with back-off:\n");
  Reactor retrying(ClockMode::virtual_time);
  int calls = 0;
  fetch_with_retry(retrying, calls, 5, 1s).on_complete([&](std::error_code ec, int value) {
    say(retrying, ec ? "gave up: " + ec.message() : "got " + std::to_string(value));
  });
  retrying.run();
  ok &= check(calls == 3, "three tries: two failures, then the answer");
  ok &= check(retrying.now() == 100ms + 1s + 100ms + 2s + 100ms, "waits of 1 s, then 2 s");
  ok &= check(live_states() == 0 && live_handlers() == 0, "nothing leaked");
  return ok ? 0 : 1;
}
