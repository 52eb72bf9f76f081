#pragma once
// Stage 3: the workflow with coroutines. Every function returns a lazy Task:
// nothing runs until it is awaited, and then it runs until its first co_await
// that has to wait.

#include <string>
#include <vector>

#include "common/scenario.hpp"
#include "common/services.hpp"
#include "task.hpp"

namespace evo::stage3 {

/// One task of the walk-through: log, maybe block the loop, wait, log again.
Task<std::string> one_task(Services& services, std::string name, Duration delay, Duration block);
/// Task A and Task B, spawned side by side; the results in the order A, B.
Task<std::vector<std::string>> two_tasks(Services& services, TwoTasks tasks);
/// fetch_user, then fetch_profile for that user.
Task<UserProfile> fetch_user_and_profile(Services& services, UserId id);
/// All users at once, one task each; the first error wins, else all results in id
/// order. With no ids it answers from the loop too (posted), never before returning.
Task<std::vector<UserProfile>> fetch_all(Services& services, std::vector<UserId> ids);
/// fetch_user_and_profile, or errc::timeout if that takes longer than `timeout`.
Task<UserProfile> fetch_with_timeout(Services& services, UserId id, Duration timeout);

}  // namespace evo::stage3
