// The HTTP half of evo::Services: the same fetch_user / fetch_profile, answered
// by a real server through http::Client instead of by a timer. The fetch waits
// on a socket (the trace shows "fd N readable" where the simulated backend
// shows a timer), then the handler is called exactly as before: once, later,
// from the reactor, with (error, value). Stages never see the difference.
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

// A request a stop token may abandon: the handler, and the slot that answers
// errc::cancelled when the token is stopped. http::Client has no per-request
// cancel, so an abandoned request runs on (its connection stays busy until
// the answer or the deadline) and its answer is dropped when it comes.
template <class T>
struct Abandonable {
  explicit Abandonable(Handler<T> h) : handler(std::move(h)) {}
  Handler<T> handler;
  CancelSlot cancel;
};

// The handler a request answers: the stage's own when nobody can stop it;
// else one that answers only if the stop request has not answered first.
template <class T>
Handler<T> abandonable(Reactor& reactor, Handler<T> handler, const std::stop_token& stop) {
  if (!stop.stop_possible()) return handler;
  if (stop.stop_requested()) {  // stopped before it started: say so from the loop, send nothing
    post_result(reactor, T{},
                Handler<T>([handler = std::move(handler)](std::error_code, T value) mutable {
                  handler(errc::cancelled, std::move(value));
                }));
    return nullptr;
  }
  auto request = std::make_shared<Abandonable<T>>(std::move(handler));
  request->cancel.arm(stop, [weak = std::weak_ptr(request)] {
    std::shared_ptr<Abandonable<T>> request = weak.lock();
    if (request && request->handler) std::exchange(request->handler, nullptr)(errc::cancelled, T{});
  });
  return [request](std::error_code error, T value) mutable {
    if (!request->handler) return;  // abandoned: answered errc::cancelled already
    request->cancel.disarm();
    std::exchange(request->handler, nullptr)(error, std::move(value));
  };
}

// One request, decoded. The error code is all a stage sees; the detail (what
// was asked, and why it failed) is kept for the runner to print after the
// story's error line.
template <class T, class Decode>
void get(http::Client& client, const http::Endpoint& server, std::string& error_detail,
         std::string target, Decode decode, Handler<T> handler) {
  std::string request = "GET http://" + server.host + ":" + std::to_string(server.port) + target;
  client.get(std::move(target), [&client, &error_detail, request = std::move(request), decode,
                                 handler = std::move(handler)](std::error_code error,
                                                               http::Response response) mutable {
    std::string why;
    T value{};
    if (error) {
      why = client.last_error_detail();
    } else {
      std::tie(error, value) = decode(response.status, response.body, &why);
      if (error && why.empty()) why = "status " + std::to_string(response.status);
    }
    if (error) error_detail = request + ": " + error.message() + (why.empty() ? "" : ": " + why);
    handler(error, std::move(value));
  });
}

}  // namespace

void Services::fetch_user_http(UserId id, Handler<User> handler, std::stop_token stop) {
  handler = abandonable(reactor_, std::move(handler), stop);
  if (!handler) return;
  get<User>(*client_, *config_.backend, error_detail_, http_api::user_target(id),
            http_api::decode_user, std::move(handler));
}

void Services::fetch_profile_http(UserId id, Handler<Profile> handler, std::stop_token stop) {
  handler = abandonable(reactor_, std::move(handler), stop);
  if (!handler) return;
  get<Profile>(*client_, *config_.backend, error_detail_, http_api::profile_target(id),
               http_api::decode_profile, std::move(handler));
}

}  // namespace evo
