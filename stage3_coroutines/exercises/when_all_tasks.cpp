// Your file: make tests/exercises/when_all_tasks_test.cpp pass.
// Check with `tutor check when_all_tasks`; stuck? `tutor hint when_all_tasks`.
#include "when_all_tasks.hpp"

#include "common/exercise.hpp"

namespace evo::exercises {

Task<std::vector<int>> all_of(Reactor& reactor, std::vector<Task<int>> tasks) {
  // TODO: start every task first, then collect their values in input order.
  (void)reactor;
  (void)tasks;
  todo("all_of");
  co_return std::vector<int>{};
}

}  // namespace evo::exercises
