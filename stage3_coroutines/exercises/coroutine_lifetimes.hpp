#pragma once
// Exercise (stage 3): coroutine lifetimes. A lazy task runs after the call
// that made it has returned, so anything its frame only refers to may be gone
// by then (C++ Core Guidelines CP.53: no reference parameters to coroutines;
// CP.51: no capturing lambdas that are coroutines).
//
// Contract:
//   - greet_later(reactor, name, delay) returns a task that, once awaited or
//     started, waits `delay` on the reactor, then gives "Hello, " + name. It
//     must work when the caller's `name` is gone before the task starts (a
//     temporary, say): the task is awaited long after the call returned;
//   - make_greeter(name, delay) returns a function; each call greeter(reactor)
//     returns such a task for `name`. The task must work after the function
//     object itself is gone;
//   - every coroutine frame is freed once the reactor's run() has returned.
// Keep the signatures. The tools are in stage3_coroutines/task.hpp and
// from_callbacks.hpp (sleep_for).

#include <functional>
#include <set>
#include <string>
#include <utility>

#include "common/reactor.hpp"
#include "stage3_coroutines/from_callbacks.hpp"
#include "stage3_coroutines/task.hpp"

namespace evo::exercises {

using stage3::Task;

/// A name that knows when it is used after its death: text() on a destroyed
/// Name gives "<destroyed>" instead of undefined behaviour, so the tests see
/// the bug in every build (it looks itself up by address, reading nothing).
class Name {
 public:
  explicit Name(std::string text) : text_(std::move(text)) { alive().insert(this); }
  Name(const Name& other) : text_(other.text()) { alive().insert(this); }
  Name& operator=(const Name& other) {
    text_ = other.text();
    return *this;
  }
  ~Name() { alive().erase(this); }

  std::string text() const { return alive().contains(this) ? text_ : "<destroyed>"; }

 private:
  static std::set<const Name*>& alive() {
    static std::set<const Name*> names;
    return names;
  }
  std::string text_;
};

Task<std::string> greet_later(Reactor& reactor, const Name& name, Duration delay);

std::function<Task<std::string>(Reactor&)> make_greeter(Name name, Duration delay);

}  // namespace evo::exercises
