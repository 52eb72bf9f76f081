// Reference solution for when_all_tasks: start them all, then wait for each.
// when_all in stage3_coroutines/combinators.hpp is the hand-made version: a
// join counter that resumes the waiting coroutine once, when the last task is
// done (or at the first error).
#include "stage3_coroutines/exercises/when_all_tasks.hpp"

#include <string>
#include <utility>

namespace evo::exercises {

Task<std::vector<int>> all_of(Reactor& reactor, std::vector<Task<int>> tasks) {
  // spawn() starts each task now (on the reactor), not when it is awaited:
  // by the time we wait for the first one, all of them are under way.
  std::vector<Task<int>> running;
  running.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    running.push_back(stage3::spawn(reactor, "task " + std::to_string(i), std::move(tasks[i])));
  }
  // Waiting in input order costs nothing extra: the total is still the
  // longest task, and a task that already finished answers at once.
  std::vector<int> values;
  values.reserve(running.size());
  for (Task<int>& task : running) {
    values.push_back(co_await std::move(task));  // suspends
  }
  co_return values;
}

}  // namespace evo::exercises
