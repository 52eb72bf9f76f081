// The HTTP half of evo::Services: the same fetch_user / fetch_profile, answered
// by a real server through http::Client instead of by a timer. The fetch waits
// on a socket (the trace shows "fd N readable" where the simulated backend
// shows a timer), then the handler is called exactly as before: once, later,
// from the reactor, with (error, value). Stages never see the difference.
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <utility>

#include "http_api.hpp"
#include "services.hpp"

namespace evo {

Services::Services(Reactor& reactor, ServiceConfig config)
    : reactor_(reactor), config_(std::move(config)) {
  if (config_.backend) {
    http::ClientOptions options;
    options.deadline = config_.request_deadline;
    options.max_connections = config_.max_connections;
    client_ = std::make_unique<http::Client>(reactor_, *config_.backend, options);
  }
}

// Destroying the client closes its connections and destroys the handlers of
// requests still pending, unrun (the reactor does the same at teardown).
Services::~Services() = default;

std::size_t Services::peak_connections() const noexcept {
  return client_ ? client_->peak_connections() : 0;
}

namespace {

// A request in flight: the stage's handler (null once answered), and the slot
// that, on a stop request, cancels the request in the client (a queued one is
// never sent; one in flight has its connection closed, which frees it for the
// next request) and answers errc::cancelled. The client never calls back a
// cancelled request, so only a request whose handler is live writes the detail.
template <class T>
struct Pending {
  explicit Pending(Handler<T> h) : handler(std::move(h)) {}
  Handler<T> handler;
  CancelSlot cancel;
};

// One request, decoded. The error code is all a stage sees; the detail (what
// was asked, and why it failed) is kept for the runner to print after the
// story's error line.
template <class T, class Decode>
void get(Reactor& reactor, http::Client& client, const http::Endpoint& server,
         std::string& error_detail, std::string target, Decode decode, Handler<T> handler,
         const std::stop_token& stop) {
  if (stop.stop_requested()) {  // stopped before it started: say so from the loop, send nothing
    post_result(reactor, T{},
                Handler<T>([handler = std::move(handler)](std::error_code, T value) mutable {
                  handler(errc::cancelled, std::move(value));
                }));
    return;
  }
  auto pending = std::make_shared<Pending<T>>(std::move(handler));
  std::string request = "GET http://" + server.host + ":" + std::to_string(server.port) + target;
  std::uint64_t id = client.get(
      std::move(target), [&client, &error_detail, request = std::move(request), decode, pending](
                             std::error_code error, http::Response response) mutable {
        if (!pending->handler) return;  // answered errc::cancelled already
        pending->cancel.disarm();
        std::string why;
        T value{};
        if (error) {
          why = client.last_error_detail();
        } else {
          std::tie(error, value) = decode(response.status, response.body, &why);
          if (error && why.empty()) why = "status " + std::to_string(response.status);
        }
        if (error)
          error_detail = request + ": " + error.message() + (why.empty() ? "" : ": " + why);
        std::exchange(pending->handler, nullptr)(error, std::move(value));
      });
  if (!stop.stop_possible()) return;
  // get() never answers inside itself, so the handler is still live here.
  pending->cancel.arm(stop, [&client, id, weak = std::weak_ptr(pending)] {
    std::shared_ptr<Pending<T>> pending = weak.lock();
    if (!pending || !pending->handler) return;
    Handler<T> handler = std::exchange(pending->handler, nullptr);
    client.cancel(id);  // drops the client's copy of `pending`; ours keeps it until we return
    handler(errc::cancelled, T{});
  });
}

}  // namespace

void Services::fetch_user_http(UserId id, Handler<User> handler, std::stop_token stop) {
  get<User>(reactor_, *client_, *config_.backend, error_detail_, http_api::user_target(id),
            http_api::decode_user, std::move(handler), stop);
}

void Services::fetch_profile_http(UserId id, Handler<Profile> handler, std::stop_token stop) {
  get<Profile>(reactor_, *client_, *config_.backend, error_detail_, http_api::profile_target(id),
               http_api::decode_profile, std::move(handler), stop);
}

}  // namespace evo
