// Your file: make tests/exercises/coroutine_lifetimes_test.cpp pass.
// Check with `tutor check coroutine_lifetimes`; stuck? `tutor hint coroutine_lifetimes`.
//
// This one is not empty: it compiles, it runs, it reads naturally, and it is
// wrong. Run the tests, read what they say, find the bug, fix it.
#include "coroutine_lifetimes.hpp"

namespace evo::exercises {

Task<std::string> greet_later(Reactor& reactor, const Name& name, Duration delay) {
  co_await stage3::sleep_for(reactor, delay);  // suspends
  co_return "Hello, " + name.text();
}

std::function<Task<std::string>(Reactor&)> make_greeter(Name name, Duration delay) {
  return [name, delay](Reactor& reactor) -> Task<std::string> {
    co_await stage3::sleep_for(reactor, delay);  // suspends
    co_return "Hello, " + name.text();
  };
}

}  // namespace evo::exercises
