#pragma once
// Stage 3's coroutines, lowered by hand: what the compiler makes of
// `fetch_user_and_profile` and `one_task` in workflow.cpp, written out as a
// heap frame and a resume() that switches on a resume-point index. No
// coroutine anywhere: each co_await is "start the operation with a callback
// that stores the result in the frame and calls resume()", then a return.
// Read it beside workflow.cpp; lowered.cpp maps each case to its line.

#include <cstddef>
#include <stop_token>
#include <string>

#include "common/services.hpp"

namespace evo::stage3::lowered {

/// workflow.cpp's one_task, by hand: the handler gets (error, "NAME data").
void one_task(Services& services, std::string name, Duration delay, Duration block,
              Handler<std::string> handler);
/// workflow.cpp's fetch_user_and_profile, by hand; `stop` cancels the pending fetch.
void fetch_user_and_profile(Services& services, UserId id, Handler<UserProfile> handler,
                            std::stop_token stop);

/// Hand-lowered frames alive right now: zero after every run.
std::size_t live_frames() noexcept;

}  // namespace evo::stage3::lowered
