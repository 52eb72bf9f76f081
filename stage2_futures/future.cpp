#include "future.hpp"

#include <deque>

#include "common/reactor.hpp"

namespace evo::stage2::detail {
namespace {

// The trampoline. Without it, completing a promise calls its continuation,
// which completes the next promise, which calls the next continuation...: a
// chain of N links completed at once is N nested calls, and a long one
// overflows the stack (each call has work left after it, so no compiler
// turns it into a jump). With it, the first continuation due on this thread
// runs here, and any continuation that comes due while it runs is queued and
// run by the loop below, after it returns: the same continuations, in the
// same reactor callback, one after another instead of one inside another.
struct Trampoline {
  std::deque<StateRef<StateBase>> queue;
  bool running = false;
  int drop_scopes = 0;
};

thread_local Trampoline trampoline;

// Takes the state by value: it is released as soon as its callback returns.
void run(StateRef<StateBase> state) {
  state->run_callback();
}

void run_front(Trampoline& t) {
  StateRef<StateBase> state = std::move(t.queue.front());
  t.queue.pop_front();
  run(std::move(state));
}

}  // namespace

void schedule(StateRef<StateBase> state) {
  Trampoline& t = trampoline;
  // The loop below, further up this stack, will run it.
  if (t.running) return t.queue.push_back(std::move(state));
  t.running = true;  // the queue is empty whenever nothing runs: this one goes first
  try {
    run(std::move(state));
    while (!t.queue.empty()) run_front(t);
  } catch (...) {
    // A continuation threw. What it was to complete has been abandoned on the
    // way here (and queued); nothing more runs: every queued continuation is
    // destroyed unrun, then the exception goes on to whoever completed the
    // first promise (in the end, Reactor::run()).
    DropScope dropping;
    while (!t.queue.empty()) {
      t.queue.front()->dropped = true;
      run_front(t);
    }
    t.running = false;
    throw;
  }
  t.running = false;
}

bool dropping() noexcept {
  return reactor_tearing_down() || trampoline.drop_scopes > 0;
}

DropScope::DropScope() noexcept {
  ++trampoline.drop_scopes;
}

DropScope::~DropScope() {
  --trampoline.drop_scopes;
}

}  // namespace evo::stage2::detail
