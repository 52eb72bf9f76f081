// Specifies how an HTTP fetch (common/http_services.cpp) answers a stop
// request: at once, exactly once, with errc::cancelled; the request is
// cancelled in the client (its connection closed, nothing sent if it was still
// queued), so run() ends without waiting for the server, and no late failure
// overwrites the error detail.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>

#include "common/errors.hpp"
#include "common/services.hpp"
#include "tests/http_server.hpp"

namespace {

using namespace std::chrono_literals;
using evo::errc;
using evo::testing::open_fds;
using evo::testing::read_request;
using evo::testing::TestServer;

evo::ServiceConfig over_http(std::uint16_t port) {
  evo::ServiceConfig config;
  config.backend = evo::http::Endpoint{"127.0.0.1", port};
  return config;
}

// A session that reads one request and never answers; it ends when the client
// closes the connection (recv sees 0) or after 5 s, and says which.
TestServer::Session never_answers(std::atomic<bool>& closed_by_client) {
  return [&closed_by_client](int fd) {
    if (!read_request(fd)) return;
    char byte;
    closed_by_client = ::recv(fd, &byte, 1, 0) == 0;
  };
}

TEST(HttpCancel, AStopWhileTheServerThinksAnswersCancelledOnceAndClosesTheConnection) {
  std::atomic<bool> closed_by_client{false};
  TestServer server({never_answers(closed_by_client)});
  const std::size_t fds_before = open_fds();  // the server's listening socket included
  int calls = 0;
  std::error_code seen;
  auto start = std::chrono::steady_clock::now();
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
    });
    reactor.run();  // nothing left: the request was cancelled, its socket closed
    EXPECT_EQ(services.error_detail(), "") << "a cancelled request writes no detail";
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "run() waited for the deadline";
  EXPECT_EQ(server.finish(), 1);
  EXPECT_TRUE(closed_by_client) << "the server should see the connection closed";
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, errc::cancelled);
  EXPECT_EQ(open_fds(), fds_before);
  EXPECT_EQ(evo::live_handlers(), 0u);
}

TEST(HttpCancel, AChainStoppedOverASilentServerEndsAtTheStopWithoutATimeoutDetail) {
  std::atomic<bool> closed_by_client{false};
  TestServer server({never_answers(closed_by_client)});
  std::error_code seen;
  int calls = 0;
  evo::Duration ended{};
  std::string detail;
  {
    evo::Reactor reactor;
    evo::Services services(reactor, over_http(server.port()));
    std::stop_source stop;
    const evo::Duration start = reactor.now();
    // The chain: the user, then (never reached here) the profile.
    services.fetch_user(
        42,
        [&](std::error_code error, evo::User user) {
          if (error) {
            ++calls;
            seen = error;
            return;
          }
          services.fetch_profile(
              user.id,
              [&](std::error_code error, evo::Profile) {
                ++calls;
                seen = error;
              },
              stop.get_token());
        },
        stop.get_token());
    reactor.call_after(250ms, [&] { stop.request_stop(); });
    reactor.run();
    ended = reactor.now() - start;
    detail = services.error_detail();
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, errc::cancelled);
  EXPECT_GE(ended, 250ms);
  EXPECT_LT(ended, 1s) << "the chain should end at the stop, not at the 5 s deadline";
  EXPECT_EQ(detail.find("no answer"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("timed out"), std::string::npos) << detail;
  EXPECT_EQ(server.finish(), 1);
  EXPECT_TRUE(closed_by_client);
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
