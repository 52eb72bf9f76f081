// stage3_fast_path: await_ready's fast path, made visible.
//
// `co_await x` first asks x.await_ready(): "is the result here already?" If
// yes, the coroutine does not suspend at all: no callback is handed to the
// reactor, nothing is queued, the value is just taken. This program awaits
// the same kind of thing twice, once before it is ready and once after, and
// prints what the reactor saw each time.
#include <cstdio>

#include "common/reactor.hpp"
#include "common/trace.hpp"
#include "stage3_coroutines/combinators.hpp"
#include "stage3_coroutines/from_callbacks.hpp"
#include "stage3_coroutines/task.hpp"

using namespace std::chrono_literals;
using namespace evo;
using namespace evo::stage3;

namespace {

Task<int> slow_answer(Reactor& reactor) {
  co_await sleep_for(reactor, 1s);
  co_return 42;
}

Task<void> await_it(Task<int> spawned, int& value) {
  value = co_await std::move(spawned);
}

void show(const char* what, const Recorder& recorder) {
  std::printf("%s: the reactor saw %zu events\n", what, recorder.entries().size());
  for (const std::string& line : recorder.lines()) std::printf("    %s\n", line.c_str());
}

}  // namespace

int main() {
  Reactor reactor(ClockMode::virtual_time);
  int value = 0;
  auto ignore = [](std::exception_ptr, std::monostate) {};

  // 1. Not ready yet: await_ready() says no, the coroutine suspends, and the
  //    reactor resumes it later, from the timer's callback.
  {
    Recorder recorder;
    reactor.set_observer(&recorder);
    start(await_it(spawn(reactor, "worker", slow_answer(reactor)), value), ignore);
    reactor.run();
    show("Awaiting a task that is still running", recorder);
    std::printf("    -> value %d, after %s\n\n", value, format_seconds(reactor.now()).c_str());
    reactor.set_observer(nullptr);  // the recorder ends with this block
  }

  // 2. Ready already: the spawned task finishes first; awaiting it afterwards
  //    takes the fast path.
  {
    Task<int> finished = spawn(reactor, "worker", slow_answer(reactor));
    reactor.run();  // the worker runs to its end; nobody is waiting yet
    Recorder recorder;
    reactor.set_observer(&recorder);
    value = 0;
    start(await_it(std::move(finished), value), ignore);  // no reactor.run() needed
    show("Awaiting a task that has finished", recorder);
    std::printf("    -> value %d, at once: await_ready() said yes, so nothing waited on the loop\n",
                value);
    reactor.set_observer(nullptr);
  }
  if (live_frames() != 0) {
    std::printf("bug: %zu coroutine frames leaked\n", live_frames());
    return 70;
  }
  return 0;
}
