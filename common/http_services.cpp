// The HTTP half of evo::Services: the same fetch_user / fetch_profile, answered
// by a real server through http::Client instead of by a timer. The fetch waits
// on a socket (the trace shows "fd N readable" where the simulated backend
// shows a timer), then the handler is called exactly as before: once, later,
// from the reactor, with (error, value). Stages never see the difference.
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

void Services::fetch_user_http(UserId id, Handler<User> handler) {
  get<User>(*client_, *config_.backend, error_detail_, http_api::user_target(id),
            http_api::decode_user, std::move(handler));
}

void Services::fetch_profile_http(UserId id, Handler<Profile> handler) {
  get<Profile>(*client_, *config_.backend, error_detail_, http_api::profile_target(id),
               http_api::decode_profile, std::move(handler));
}

}  // namespace evo
