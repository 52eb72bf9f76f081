#pragma once
// Exercise (stage 3): when_all for tasks, started together.
//
// all_of(reactor, tasks) waits for every task of `tasks` and hands back their
// values. Contract:
//   - the tasks run concurrently: all of them start before any has to finish,
//     so a fan-out takes as long as its longest task, not the sum of them all
//     (awaiting one task after the other is the bug this exercise is about:
//     a Task is lazy, it only starts when awaited);
//   - the values come back in the order of `tasks`, whatever order the tasks
//     finish in;
//   - if a task fails, all_of throws a failed task's exception (with one
//     failing task, its own error); the others still run to their end;
//   - no empty result, no value twice; an empty `tasks` gives an empty vector;
//   - every coroutine frame is freed once the reactor's run() has returned
//     (stage3::live_frames() == 0).
// The tools are in stage3_coroutines/combinators.hpp (spawn) and task.hpp
// (start); do it without when_all, which is this exercise's answer.

#include <vector>

#include "common/reactor.hpp"
#include "stage3_coroutines/combinators.hpp"
#include "stage3_coroutines/task.hpp"

namespace evo::exercises {

using stage3::Task;

Task<std::vector<int>> all_of(Reactor& reactor, std::vector<Task<int>> tasks);

}  // namespace evo::exercises
