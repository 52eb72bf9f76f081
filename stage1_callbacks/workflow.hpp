#pragma once
// Stage 1: the workflow with plain callbacks. Every function returns at once;
// its result arrives later, exactly once, through `handler(error, value)`.
// A std::stop_token (common/cancel.hpp), passed last, cancels the work: the
// handler then hears errc::cancelled, once, and nothing is left running.

#include <stop_token>
#include <string>
#include <vector>

#include "common/scenario.hpp"
#include "common/services.hpp"

namespace evo::stage1 {

/// One task of the walk-through: log, maybe block the loop, wait, log again.
void one_task(Services& services, std::string name, Duration delay, Duration block,
              Handler<std::string> handler);
/// Task A and Task B, spawned side by side; the results in the order A, B.
void two_tasks(Services& services, TwoTasks tasks, Handler<std::vector<std::string>> handler);
/// fetch_user, then fetch_profile for that user.
void fetch_user_and_profile(Services& services, UserId id, Handler<UserProfile> handler,
                            std::stop_token stop = {});
/// All users at once, one task each; the first error wins (and cancels the
/// others), else all results in id order. With no ids it answers from the loop
/// too (posted), never before returning.
void fetch_all(Services& services, std::vector<UserId> ids,
               Handler<std::vector<UserProfile>> handler, std::stop_token stop = {});
/// fetch_user_and_profile, or errc::timeout if that takes longer than
/// `timeout`; then the fetch is cancelled.
void fetch_with_timeout(Services& services, UserId id, Duration timeout,
                        Handler<UserProfile> handler, std::stop_token stop = {});

}  // namespace evo::stage1
