// Reference solution for coroutine_lifetimes. The coroutine takes everything
// by value, so its frame holds copies that live as long as it does; the
// functions with the contract's signatures are plain functions (not
// coroutines) that make those copies while the caller's objects still exist.
#include "stage3_coroutines/exercises/coroutine_lifetimes.hpp"

namespace evo::exercises {

// By value: the frame keeps its own Name (CP.53).
static Task<std::string> greet(Reactor& reactor, Name name, Duration delay) {
  co_await stage3::sleep_for(reactor, delay);  // suspends
  co_return "Hello, " + name.text();
}

// Not a coroutine: it runs to its end now, copying `name` into greet's frame.
Task<std::string> greet_later(Reactor& reactor, const Name& name, Duration delay) {
  return greet(reactor, name, delay);
}

// The lambda is not a coroutine either (CP.51): a coroutine lambda's frame
// refers to the closure, which dies with the std::function. This one only
// calls greet, which copies what the closure holds.
std::function<Task<std::string>(Reactor&)> make_greeter(Name name, Duration delay) {
  return [name, delay](Reactor& reactor) { return greet(reactor, name, delay); };
}

}  // namespace evo::exercises
