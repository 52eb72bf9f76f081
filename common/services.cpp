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

// A simulated request that may be cancelled: the handler and the timer that
// stands for the round trip, shared by the timer's callback and the slot.
template <class T>
struct Request : std::enable_shared_from_this<Request<T>> {
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
  auto request = std::make_shared<Request<T>>(std::move(handler));
  request->timer = reactor.call_after(
      latency,
      [request, answer]() mutable {
        // Cancelled after the timer fired but before this ran: answered already.
        if (!request->handler) return;
        request->cancel.disarm();  // done: a stop request from now on is too late
        auto [error, value] = answer();
        std::exchange(request->handler, nullptr)(error, std::move(value));
      },
      what);
  // What a stop request does: no reply will come, so disarm the timer (its
  // callback, which holds the request, is destroyed: hold it here first) and
  // answer errc::cancelled now. An HTTP request would close its socket here.
  request->cancel.arm(stop, [&reactor, weak = std::weak_ptr(request)] {
    std::shared_ptr<Request<T>> request = weak.lock();
    if (!request || !request->handler) return;
    reactor.cancel(request->timer);
    std::exchange(request->handler, nullptr)(errc::cancelled, T{});
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
