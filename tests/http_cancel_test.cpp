// Specifies how an HTTP fetch (common/http_services.cpp) answers a stop
// request: at once, exactly once, with errc::cancelled; the request is
// abandoned, so the server's late answer is dropped, not delivered twice.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stop_token>
#include <string>

#include "common/errors.hpp"
#include "common/services.hpp"
#include "tests/http_server.hpp"

namespace {

using namespace std::chrono_literals;
using evo::errc;
using evo::testing::ok_response;
using evo::testing::open_fds;
using evo::testing::read_request;
using evo::testing::send_all;
using evo::testing::TestServer;

evo::ServiceConfig over_http(std::uint16_t port) {
  evo::ServiceConfig config;
  config.backend = evo::http::Endpoint{"127.0.0.1", port};
  return config;
}

TEST(HttpCancel, AStopWhileTheServerThinksAnswersCancelledOnceAndDropsTheLateAnswer) {
  std::promise<void> stopped;
  std::future<void> stopped_seen = stopped.get_future();
  TestServer server({[&](int fd) {
    ASSERT_TRUE(read_request(fd));
    // Answer only once the client has given up on the request.
    ASSERT_EQ(stopped_seen.wait_for(5s), std::future_status::ready);
    send_all(fd, ok_response(R"({"id":42,"name":"Barbara"})"));
  }});
  const int fds_before = open_fds();  // the server's listening socket included
  int calls = 0;
  std::error_code seen;
  {
    evo::Reactor reactor;
    evo::Services services(reactor, over_http(server.port()));
    std::stop_source stop;
    services.fetch_user(
        42,
        [&](std::error_code error, evo::User) {
          ++calls;
          seen = error;
        },
        stop.get_token());
    reactor.call_after(20ms, [&] {
      stop.request_stop();
      EXPECT_EQ(calls, 1) << "a stop request answers at once";
      stopped.set_value();
    });
    reactor.run();  // ends when the abandoned request's answer has come and been dropped
  }
  server.finish();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, errc::cancelled);
  EXPECT_EQ(open_fds(), fds_before);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

TEST(HttpCancel, AFetchOnAStoppedTokenSendsNothingAndAnswersFromTheLoop) {
  TestServer server({});
  int calls = 0;
  std::error_code seen;
  evo::Reactor reactor;
  evo::Services services(reactor, over_http(server.port()));
  std::stop_source stop;
  stop.request_stop();
  services.fetch_profile(
      42,
      [&](std::error_code error, evo::Profile) {
        ++calls;
        seen = error;
      },
      stop.get_token());
  EXPECT_EQ(calls, 0) << "never inside the call that started it";
  reactor.run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, errc::cancelled);
  EXPECT_EQ(services.peak_connections(), 0u) << "a cancelled fetch opens no connection";
}

}  // namespace
