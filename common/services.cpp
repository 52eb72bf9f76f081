#include "services.hpp"

#include <array>
#include <memory>

#include "errors.hpp"

namespace evo {
namespace {

std::string name_of(UserId id) {
  static constexpr std::array names{"Ada",     "Grace", "Barbara",  "Dennis",
                                    "Frances", "Ken",   "Margaret", "Bjarne"};
  return names[static_cast<std::size_t>(id) % names.size()];
}

}  // namespace

std::pair<std::error_code, User> simulated_user(const ServiceConfig& config, UserId id) {
  if (id <= 0 || config.failing_users.contains(id)) return {errc::user_not_found, User{}};
  return {{}, User{id, name_of(id)}};
}

std::pair<std::error_code, Profile> simulated_profile(const ServiceConfig& config, UserId id) {
  if (id <= 0 || config.failing_profiles.contains(id)) return {errc::profile_not_found, Profile{}};
  return {{}, Profile{id, name_of(id) + " writes async C++"}};
}

namespace {

// A simulated request that may be cancelled: the handler, the timer that
// stands for the round trip, and what a stop request does. The timer's
// callback owns it, so it goes when the timer fires or is cancelled, stop
// callback and all. It is the one allocation of a cancellable fetch: a
// std::stop_callback must stay at one address, and a timer's callback moves.
template <class T>
struct Request {
  explicit Request(Handler<T> h) : handler(std::move(h)) {}
  Handler<T> handler;
  TimerId timer;
  CancelSlot cancel;
};

// Arms the round-trip timer; `answer()` gives the (error, value) to reply with.
template <class T, class Answer>
void simulate(Reactor& reactor, Duration latency, std::string_view what, Handler<T> handler,
              const std::stop_token& stop, Answer answer) {
  if (!stop.stop_possible()) {  // nobody can cancel: the plain timer, nothing more
    reactor.call_after(
        latency,
        [answer, handler = std::move(handler)]() mutable {
          auto [error, value] = answer();
          handler(error, std::move(value));
        },
        what);
    return;
  }
  if (stop.stop_requested()) {  // cancelled before it started: say so from the loop
    return post_result(reactor, T{},
                       Handler<T>([handler = std::move(handler)](std::error_code, T value) mutable {
                         handler(errc::cancelled, std::move(value));
                       }));
  }
  auto owned = std::make_unique<Request<T>>(std::move(handler));
  Request<T>& request = *owned;
  request.timer = reactor.call_after(
      latency,
      [request = std::move(owned), answer]() mutable {
        // Cancelled after the timer fired but before this ran: answered already.
        if (!request->handler) return;
        request->cancel.disarm();  // done: a stop request from now on is too late
        auto [error, value] = answer();
        std::exchange(request->handler, nullptr)(error, std::move(value));
      },
      what);
  // What a stop request does: no reply will come, so disarm the timer and
  // answer errc::cancelled now. Cancelling the timer frees the request (this
  // action's slot included): take the handler out first, touch nothing after.
  // An HTTP request would close its socket here.
  request.cancel.arm(stop, [&reactor, &request] {
    Handler<T> handler = std::exchange(request.handler, nullptr);
    reactor.cancel(request.timer);
    handler(errc::cancelled, T{});
  });
}

}  // namespace

void Services::fetch_user(UserId id, Handler<User> handler, std::stop_token stop) {
  if (client_) return fetch_user_http(id, std::move(handler), std::move(stop));
  // The timer stands for the round trip. Nothing runs until it fires: this
  // function returns at once, which is what makes the caller's code "async".
  // Even an id that cannot exist is answered from the timer, never from in
  // here: a handler never runs inside the call that started it (Asio's rule).
  simulate(reactor_, config_.user_latency, "fetch_user", std::move(handler), stop,
           [this, id] { return simulated_user(config_, id); });
}

void Services::fetch_profile(UserId id, Handler<Profile> handler, std::stop_token stop) {
  if (client_) return fetch_profile_http(id, std::move(handler), std::move(stop));
  simulate(reactor_, config_.profile_latency, "fetch_profile", std::move(handler), stop,
           [this, id] { return simulated_profile(config_, id); });
}

}  // namespace evo
