// What is lowered and what is reused, honestly: one_task and
// fetch_user_and_profile are lowered by hand (lowered.cpp); the combinators
// (spawn, when_all, with_timeout) are stage 3's coroutines, unchanged. The
// glue between the two is async_call (from_callbacks.hpp), the adapter every
// service already goes through: it adds no reactor event, so the trace is
// the same.
#include "lowered_adapter.hpp"

#include <functional>

#include "adapter.hpp"
#include "combinators.hpp"
#include "from_callbacks.hpp"
#include "lowered.hpp"

namespace evo::stage3::lowered {

// These coroutines are in a named namespace, not an unnamed one, so that the
// async backtrace (error_details, below) calls them `lowered::fetch_all`
// with every compiler (GCC would add `{anonymous}::`).

// The thinnest adapters: a lowered operation, made awaitable.
Task<std::string> awaitable_one_task(Services& services, std::string name, Duration delay,
                                     Duration block) {
  co_return co_await async_call<std::string>(&one_task, std::ref(services), std::move(name), delay,
                                             block);
}

Task<UserProfile> awaitable_fetch_user_and_profile(Services& services, UserId id) {
  co_return co_await async_call<UserProfile>(&fetch_user_and_profile, std::ref(services), id);
}

// workflow.cpp's two_tasks, fetch_all and fetch_with_timeout, on the lowered frames.
Task<std::vector<std::string>> two_tasks(Services& services, TwoTasks tasks) {
  std::vector<Task<std::string>> running;
  running.push_back(spawn(services.reactor(), "Task A",
                          awaitable_one_task(services, "Task A", tasks.delay_a, Duration::zero())));
  running.push_back(spawn(services.reactor(), "Task B",
                          awaitable_one_task(services, "Task B", tasks.delay_b, tasks.block_b)));
  co_return co_await when_all(std::move(running));  // suspends
}

Task<std::vector<UserProfile>> fetch_all(Services& services, std::vector<UserId> ids) {
  if (ids.empty()) {
    co_return co_await async_call<std::vector<UserProfile>>(
        [&](Handler<std::vector<UserProfile>> handler) {
          post_result(services.reactor(), std::vector<UserProfile>{}, std::move(handler));
        });  // suspends
  }
  std::vector<Task<UserProfile>> running;
  for (UserId id : ids) {
    running.push_back(spawn(services.reactor(), "user " + std::to_string(id),
                            awaitable_fetch_user_and_profile(services, id)));
  }
  co_return co_await when_all(std::move(running));  // suspends
}

Task<UserProfile> fetch_with_timeout(Services& services, UserId id, Duration timeout) {
  co_return co_await with_timeout(services.reactor(),
                                  awaitable_fetch_user_and_profile(services, id),
                                  timeout);  // suspends
}

namespace {

// The awaiting chain of the last failure, for error_details (see below).
std::string last_chain;

}  // namespace

const StageApi& stage_api() {
  static const StageApi api{
      .name = "stage3_lowered",
      .two_tasks =
          [](Services& services, TwoTasks tasks, Handler<std::vector<std::string>> handler) {
            start(two_tasks(services, tasks), to_handler(std::move(handler), last_chain));
          },
      // No coroutine at all: the hand-lowered frame, directly.
      .fetch_user_and_profile = &fetch_user_and_profile,
      .fetch_all =
          [](Services& services, std::vector<UserId> ids, Handler<std::vector<UserProfile>> handler,
             std::stop_token stop) {
            start(fetch_all(services, std::move(ids)), to_handler(std::move(handler), last_chain),
                  stop);
          },
      .fetch_with_timeout =
          [](Services& services, UserId id, Duration timeout, Handler<UserProfile> handler,
             std::stop_token stop) {
            start(fetch_with_timeout(services, id, timeout),
                  to_handler(std::move(handler), last_chain), stop);
          },
      // The lowered frames, and the coroutine frames of the reused combinators.
      .live_objects = [] { return live_frames() + stage3::live_frames(); },
      // Stage 3's error line, from the coroutines there are: `when_all` and
      // `lowered::fetch_all` for a failed fan-out, as stage3_coroutines
      // names when_all and fetch_all. The lowered frame itself names nobody,
      // on purpose: the backtrace is written by the promise (await_transform
      // notes each co_await, unhandled_exception adds the frame), and a frame
      // lowered by hand has no promise. So `--scenario failure`, which runs
      // it alone, prints no chain where stage3_coroutines prints
      // fetch_profile and fetch_user_and_profile.
      .error_details = [] { return chain_details(last_chain); },
      .asio = nullptr,  // on the hand reactor only: --engine asio exits 64
  };
  return api;
}

}  // namespace evo::stage3::lowered
