#pragma once
// Stage 2: the workflow with futures. Every function returns at once, with a
// Future that completes later, exactly once, with a value or an error.
// A std::stop_token, passed last as in stage 1, cancels the work: the future
// then fails with errc::cancelled, and nothing is left running.

#include <stop_token>
#include <string>
#include <vector>

#include "common/scenario.hpp"
#include "common/services.hpp"
#include "future.hpp"

namespace evo::stage2 {

/// One task of the walk-through: log, maybe block the loop, wait, log again.
Future<std::string> one_task(Services& services, std::string name, Duration delay, Duration block);
/// Task A and Task B, spawned side by side; the results in the order A, B.
Future<std::vector<std::string>> two_tasks(Services& services, TwoTasks tasks);
/// fetch_user, then fetch_profile for that user.
Future<UserProfile> fetch_user_and_profile(Services& services, UserId id,
                                           std::stop_token stop = {});
/// All users at once, one task each; the first error wins (and cancels the
/// others), else all results in id order. With no ids it answers from the loop
/// too (posted), never before returning.
Future<std::vector<UserProfile>> fetch_all(Services& services, std::vector<UserId> ids,
                                           std::stop_token stop = {});
/// fetch_user_and_profile, or errc::timeout if that takes longer than
/// `timeout`; then the fetch is cancelled.
Future<UserProfile> fetch_with_timeout(Services& services, UserId id, Duration timeout,
                                       std::stop_token stop = {});

}  // namespace evo::stage2
