#pragma once
// The fan-out workflow written in plain Boost.Asio callback style, for the
// whole-workflow benchmark: stage 1's workflow.cpp, line for line, with Asio's
// completion handlers (templates all the way down, no type erasure) and one
// steady_timer per simulated service call.
//
// Asio has no virtual clock, so each simulated fetch waits on a timer whose
// deadline has already passed: it completes on the loop's next turn, in the
// order it was armed, as our virtual-clock fetches do at their latency.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "common/services.hpp"

namespace evo::bench::asio_fan_out {

namespace asio = boost::asio;

inline std::string name_of(UserId id) {
  static constexpr const char* names[] = {"Ada",     "Grace", "Barbara",  "Dennis",
                                          "Frances", "Ken",   "Margaret", "Bjarne"};
  return names[static_cast<std::size_t>(id) % 8];
}

// The simulated service: a timer stands for the round trip. The handler owns
// the timer, so the timer lives exactly as long as the wait.
template <class Handler>
void fetch_user(asio::io_context& context, UserId id, Handler handler) {
  auto timer = std::make_unique<asio::steady_timer>(context, asio::steady_timer::time_point{});
  asio::steady_timer& waiting = *timer;
  waiting.async_wait([timer = std::move(timer), id,
                      handler = std::move(handler)](boost::system::error_code ec) mutable {
    if (ec || id <= 0) return handler(make_error_code(errc::user_not_found), User{});
    handler({}, User{id, name_of(id)});
  });
}

template <class Handler>
void fetch_profile(asio::io_context& context, UserId id, Handler handler) {
  auto timer = std::make_unique<asio::steady_timer>(context, asio::steady_timer::time_point{});
  asio::steady_timer& waiting = *timer;
  waiting.async_wait([timer = std::move(timer), id,
                      handler = std::move(handler)](boost::system::error_code ec) mutable {
    if (ec || id <= 0) return handler(make_error_code(errc::profile_not_found), Profile{});
    handler({}, Profile{id, name_of(id) + " writes async C++"});
  });
}

template <class Handler>
void fetch_user_and_profile(asio::io_context& context, UserId id, Handler handler) {
  fetch_user(
      context, id, [&context, handler = std::move(handler)](std::error_code ec, User user) mutable {
        if (ec) return handler(ec, UserProfile{});
        fetch_profile(
            context, user.id,
            [user, handler = std::move(handler)](std::error_code ec, Profile profile) mutable {
              if (ec) return handler(ec, UserProfile{});
              handler({}, UserProfile{std::move(user), std::move(profile)});
            });
      });
}

// The join counter, as in stage 1: the last report (or the first error) answers.
template <class Handler>
struct Join {
  Join(std::size_t n, Handler done) : results(n), left(n), handler(std::move(done)) {}

  void complete(std::size_t i, std::error_code ec, UserProfile value) {
    if (answered) return;
    if (ec) return answer(ec);
    results[i] = std::move(value);
    if (--left == 0) answer({});
  }
  void answer(std::error_code ec) {
    answered = true;
    handler(ec, std::move(results));
  }

  std::vector<UserProfile> results;
  std::size_t left;
  bool answered = false;
  Handler handler;
};

// Each user starts on a posted handler, as stage 1 spawns a task per user.
template <class Handler>
void fetch_all(asio::io_context& context, const std::vector<UserId>& ids, Handler handler) {
  auto join = std::make_shared<Join<Handler>>(ids.size(), std::move(handler));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    asio::post(context, [&context, join, i, id = ids[i]] {
      fetch_user_and_profile(context, id, [join, i](std::error_code ec, UserProfile up) {
        join->complete(i, ec, std::move(up));
      });
    });
  }
}

}  // namespace evo::bench::asio_fan_out
