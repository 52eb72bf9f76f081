// Specifies http::Client::cancel(id) (common/http_client): a queued request is
// never sent, one in flight has its connection closed, and a late or unknown
// id changes nothing. No fd or handler leaks. The rest of the client's tests
// are in http_client_test.cpp.
#include "common/http_client.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "tests/http_server.hpp"

namespace {

using namespace std::chrono_literals;
using evo::Reactor;
using evo::http::Client;
using evo::http::ClientOptions;
using evo::http::Response;
using evo::testing::ok_response;
using evo::testing::read_request;
using evo::testing::send_all;
using evo::testing::TestServer;

// Each test leaves no fd and no handler behind (tests/http_server.hpp).
using HttpClientCancel = evo::testing::LeakCheckedTest;

TEST_F(HttpClientCancel, CancellingAQueuedRequestNeverSendsIt) {
  std::atomic<int> requests{0};
  TestServer server({[&](int fd) {
    while (read_request(fd)) {
      ++requests;
      send_all(fd, ok_response("hi"));
    }
  }});
  {
    Reactor reactor;
    ClientOptions options;
    options.max_connections = 1;
    Client client(reactor, {"127.0.0.1", server.port()}, options);
    int answered = 0;
    auto count = [&](std::error_code error, Response) {
      EXPECT_FALSE(error) << client.last_error_detail();
      ++answered;
    };
    client.get("/a", count);
    std::uint64_t queued = client.get("/b", [](std::error_code, Response) {
      ADD_FAILURE() << "a cancelled request's handler ran";
    });
    client.get("/c", count);
    client.cancel(queued);
    reactor.run();
    EXPECT_EQ(answered, 2);
  }
  EXPECT_EQ(server.finish(), 1);
  EXPECT_EQ(requests, 2) << "the cancelled request was sent";
}

TEST_F(HttpClientCancel, CancellingARequestInFlightClosesItsConnection) {
  std::atomic<bool> closed_by_client{false};
  TestServer server({[&](int fd) {
    if (!read_request(fd)) return;
    char byte;
    closed_by_client = ::recv(fd, &byte, 1, 0) == 0;
  }});
  auto start = std::chrono::steady_clock::now();
  {
    Reactor reactor;
    ClientOptions options;
    options.deadline = 10s;
    Client client(reactor, {"127.0.0.1", server.port()}, options);
    std::uint64_t id = client.get("/a", [](std::error_code, Response) {
      ADD_FAILURE() << "a cancelled request's handler ran";
    });
    reactor.call_after(50ms, [&] {
      client.cancel(id);
      EXPECT_EQ(client.open_connections(), 0u);
      client.cancel(id);  // twice: harmless
    });
    reactor.run();  // ends: no deadline armed, no fd watched
    EXPECT_EQ(client.last_error_detail(), "");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "the deadline timer stayed armed";
  EXPECT_EQ(server.finish(), 1);
  EXPECT_TRUE(closed_by_client) << "the server should see the connection closed";
}

TEST_F(HttpClientCancel, CancellingAfterTheAnswerOrAnUnknownIdChangesNothing) {
  TestServer server({[](int fd) {
    while (read_request(fd)) send_all(fd, ok_response("hi"));
  }});
  {
    Reactor reactor;
    Client client(reactor, {"127.0.0.1", server.port()});
    int answered = 0;
    std::uint64_t id = client.get("/a", [&](std::error_code error, Response response) {
      EXPECT_FALSE(error);
      EXPECT_EQ(response.body, "hi");
      ++answered;
    });
    EXPECT_NE(id, 0u);
    reactor.run();
    EXPECT_EQ(answered, 1);
    client.cancel(id);
    client.cancel(id);
    client.cancel(id + 1000);
    client.cancel(0);
    EXPECT_EQ(client.open_connections(), 1u) << "the idle connection is kept";
    client.get("/b", [&](std::error_code error, Response) {
      EXPECT_FALSE(error);
      ++answered;
    });
    reactor.run();
    EXPECT_EQ(answered, 2);
  }
  EXPECT_EQ(server.finish(), 1);
}

}  // namespace
