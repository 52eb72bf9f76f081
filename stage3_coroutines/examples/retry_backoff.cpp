// stage3_retry_backoff: retry with back-off, written as a plain loop.
//
// Stage 1 re-arms a handler for each try (stage1_callbacks/exercises/
// retry_backoff.hpp); here the loop is a `for` with co_await. Each wait is one
// reactor timer, and the coroutine's frame is all the state there is: a
// million tries would use the memory of one (tests/stage3_from_callbacks_test.cpp
// runs a million-iteration loop in constant stack and frames).
#include <cstdio>
#include <functional>
#include <string>

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "common/trace.hpp"
#include "stage3_coroutines/from_callbacks.hpp"
#include "stage3_coroutines/task.hpp"

using namespace std::chrono_literals;
using namespace evo;
using namespace evo::stage3;

namespace {

/// Tries `operation` up to `attempts` times, waiting `backoff`, then twice as
/// long, and so on between tries; rethrows the last error.
Task<int> retry(Reactor& reactor, int attempts, Duration backoff,
                std::function<Task<int>()> operation) {
  for (int attempt = 1;; ++attempt) {
    try {
      co_return co_await operation();  // suspends
    } catch (const std::system_error& error) {
      if (attempt == attempts) throw;
      std::printf("%s try %d failed (%s), next in %s\n", format_seconds(reactor.now()).c_str(),
                  attempt, error.what(), format_seconds(backoff).c_str());
    }
    // Not inside the catch block: C++20 forbids co_await in a handler.
    co_await sleep_for(reactor, backoff);  // suspends
    backoff *= 2;
  }
}

// A lookup that fails its first two tries. A free coroutine, not a capturing
// lambda coroutine; its reference parameters name objects of main(), which
// outlive every task (see "Coroutine lifetimes" in the README).
Task<int> flaky_lookup(Reactor& reactor, int& tries) {
  co_await sleep_for(reactor, 100ms);  // suspends
  if (++tries < 3) throw std::system_error(errc::connection_failed);
  co_return 42;
}

}  // namespace

int main() {
  Reactor reactor(ClockMode::virtual_time);
  int tries = 0;
  auto lookup = [&reactor, &tries] { return flaky_lookup(reactor, tries); };
  start(retry(reactor, 5, 1s, lookup), [&](std::exception_ptr error, int value) {
    if (error) return (void)std::printf("gave up\n");
    std::printf("%s got %d after %d tries\n", format_seconds(reactor.now()).c_str(), value, tries);
  });
  reactor.run();
  return live_frames() == 0 ? 0 : 70;
}
