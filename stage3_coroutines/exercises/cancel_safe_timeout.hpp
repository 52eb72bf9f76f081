#pragma once
// Exercise (stage 3): a timeout that never resumes a dead coroutine.
//
// within(reactor, task, timeout) races `task` against a timer. Contract:
//   - the task finishes first: within gives its value (or throws its
//     exception), and cancels the timer, so the loop does not wait for a
//     timer nobody needs any more;
//   - the timer fires first: within throws std::system_error(errc::timeout),
//     at the deadline, without waiting for the task;
//   - the losing task is not stopped: it runs to its end on the loop, its
//     late value or error goes nowhere, and its frame is freed when it ends
//     (stage3::live_frames() == 0 once run() has returned);
//   - the result comes out exactly once, and nothing ever resumes a coroutine
//     that has already been resumed or freed. By the time the loser finishes,
//     the coroutine that called within may be long gone: whatever the loser's
//     callback touches must still be alive then. (A plain build may not
//     notice a freed frame being resumed; stage 3's exercises are built
//     under ASan, which does.)
// The tools are in stage3_coroutines/task.hpp (start) and common/reactor.hpp
// (call_after, cancel); do it without with_timeout, which is this exercise's
// answer.

#include "common/errors.hpp"
#include "common/reactor.hpp"
#include "stage3_coroutines/task.hpp"

namespace evo::exercises {

using stage3::Task;

Task<int> within(Reactor& reactor, Task<int> task, Duration timeout);

}  // namespace evo::exercises
