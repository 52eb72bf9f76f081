// Specifies common/http_client: parse_url, and the client on the reactor over
// real loopback sockets, against servers written here (tests/http_server.hpp):
// a correct one, and hostile ones. Each request gets exactly one handler call,
// never inside get(), with the right errc and a detail; no fd or handler leaks.
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
using evo::errc;
using evo::Reactor;
using evo::http::Client;
using evo::http::ClientOptions;
using evo::http::Endpoint;
using evo::http::parse_url;
using evo::http::Response;
using evo::testing::closed_port;
using evo::testing::ok_response;
using evo::testing::open_fds;
using evo::testing::read_request;
using evo::testing::send_all;
using evo::testing::TestServer;
using evo::testing::wait_for_close;

// ---- parse_url ------------------------------------------------------------------

TEST(ParseUrl, AcceptsHostAndPort) {
  auto endpoint = parse_url("http://127.0.0.1:8080");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, 8080);
  endpoint = parse_url("http://localhost:65535/");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "localhost");
  EXPECT_EQ(endpoint->port, 65535);
}

TEST(ParseUrl, SaysWhatIsWrongInOneLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"127.0.0.1:80", "expected http://HOST:PORT, got \"127.0.0.1:80\""},
      {"https://127.0.0.1:443", "only http:// is supported (no TLS here)"},
      {"http://127.0.0.1", "missing :PORT after the host"},
      {"http://127.0.0.1:", "port \"\" is not a number from 1 to 65535"},
      {"http://127.0.0.1:0", "port \"0\" is not a number from 1 to 65535"},
      {"http://127.0.0.1:65536", "port \"65536\" is not a number from 1 to 65535"},
      {"http://127.0.0.1:8x", "port \"8x\" is not a number from 1 to 65535"},
      {"http://example.com:80", "host \"example.com\" is not an IPv4 address or localhost"},
      {"http://:80", "host \"\" is not an IPv4 address or localhost"},
      {"http://127.0.0.1:80/api", "unexpected path \"/api\": give only http://HOST:PORT"},
  };
  for (auto [url, expected] : cases) {
    std::string why;
    EXPECT_FALSE(parse_url(url, &why)) << url;
    EXPECT_EQ(why, expected) << url;
  }
}

// ---- The client over loopback -----------------------------------------------------

struct Outcome {
  int calls = 0;
  std::error_code error;
  Response response;
  std::string detail;
};

// Every test must leave the process as it found it: no fd, no handler
// (LeakCheckedTest, tests/http_server.hpp).
class HttpClient : public evo::testing::LeakCheckedTest {
 protected:
  // One GET through a fresh reactor and client. The handler must not run inside
  // get(), must run exactly once, and leave nothing armed or watched behind.
  static Outcome fetch(std::uint16_t port, ClientOptions options = {}) {
    Outcome out;
    Reactor reactor;
    Client client(reactor, {"127.0.0.1", port}, options);
    client.get("/api/user/1", [&](std::error_code error, Response response) {
      ++out.calls;
      out.error = error;
      out.response = std::move(response);
      out.detail = client.last_error_detail();
    });
    EXPECT_EQ(out.calls, 0) << "the handler ran inside get()";
    reactor.run();
    EXPECT_EQ(out.calls, 1);
    return out;
  }
};

TEST_F(HttpClient, GetsStatusAndBody) {
  TestServer server({[](int fd) {
    if (read_request(fd)) send_all(fd, ok_response(R"({"id":1,"name":"Ada"})"));
    wait_for_close(fd);
  }});
  ClientOptions options;
  options.deadline = 10s;
  auto start = std::chrono::steady_clock::now();
  Outcome out = fetch(server.port(), options);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s)
      << "run() waited for the deadline: its timer was not cancelled on completion";
  EXPECT_FALSE(out.error) << out.error.message() << ": " << out.detail;
  EXPECT_EQ(out.response.status, 200u);
  EXPECT_EQ(out.response.body, R"({"id":1,"name":"Ada"})");
}

TEST_F(HttpClient, ReusesOneConnectionForRequestsInTurn) {
  TestServer server({[](int fd) {
    while (read_request(fd)) send_all(fd, ok_response("hi"));
  }});
  {
    Reactor reactor;
    Client client(reactor, {"127.0.0.1", server.port()});
    std::vector<std::string> bodies;
    client.get("/a", [&](std::error_code error, Response first) {
      EXPECT_FALSE(error) << client.last_error_detail();
      bodies.push_back(first.body);
      client.get("/b", [&](std::error_code error, Response second) {
        EXPECT_FALSE(error) << client.last_error_detail();
        bodies.push_back(second.body);
      });
    });
    reactor.run();
    EXPECT_EQ(bodies, (std::vector<std::string>{"hi", "hi"}));
    EXPECT_EQ(client.peak_connections(), 1u);
    EXPECT_EQ(client.open_connections(), 1u) << "kept alive for the next request";
  }
  EXPECT_EQ(server.finish(), 1) << "two requests, one connection";
}

TEST_F(HttpClient, QueuesRequestsBeyondTheConnectionCap) {
  TestServer server({[](int fd) {
    while (read_request(fd)) send_all(fd, ok_response("hi"));
  }});
  {
    Reactor reactor;
    ClientOptions options;
    options.max_connections = 1;
    Client client(reactor, {"127.0.0.1", server.port()}, options);
    int answered = 0;
    for (int i = 0; i < 3; ++i) {
      client.get("/a", [&](std::error_code error, Response response) {
        EXPECT_FALSE(error) << client.last_error_detail();
        EXPECT_EQ(response.body, "hi");
        ++answered;
      });
    }
    reactor.run();
    EXPECT_EQ(answered, 3);
    EXPECT_EQ(client.peak_connections(), 1u);
  }
  EXPECT_EQ(server.finish(), 1);
}

TEST_F(HttpClient, ParsesAResponseSentOneByteAtATime) {
  TestServer server({[](int fd) {
    if (!read_request(fd)) return;
    for (char c : ok_response("slowly")) send_all(fd, std::string(1, c));
    wait_for_close(fd);
  }});
  Outcome out = fetch(server.port());
  EXPECT_FALSE(out.error) << out.detail;
  EXPECT_EQ(out.response.body, "slowly");
}

// 4 MB of request: more than a new connection's socket buffers hold (they
// start at tens of KB, tcp_wmem and tcp_rmem), so send() takes part of it,
// says EAGAIN, and the client waits for writable to go on.
TEST_F(HttpClient, SendsARequestLargerThanTheSocketBuffers) {
  TestServer server({[](int fd) {
    std::string head;
    if (read_request(fd, &head)) send_all(fd, ok_response(std::to_string(head.size())));
    wait_for_close(fd);
  }});
  const std::string target = "/" + std::string(4 << 20, 'a');
  const std::string request = "GET " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                              "\r\n\r\n";
  Reactor reactor;
  Client client(reactor, {"127.0.0.1", server.port()});
  int calls = 0;
  client.get(target, [&](std::error_code error, Response response) {
    ++calls;
    EXPECT_FALSE(error) << client.last_error_detail();
    EXPECT_EQ(response.body, std::to_string(request.size())) << "the server got all of it";
  });
  reactor.run();
  EXPECT_EQ(calls, 1);
}

TEST_F(HttpClient, ALongerContentLengthThanTheBodyIsConnectionFailed) {
  TestServer server({[](int fd) {
    if (read_request(fd)) send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{\"id\":1}");
  }});
  Outcome out = fetch(server.port());
  EXPECT_EQ(out.error, errc::connection_failed);
  EXPECT_EQ(out.detail, "connection closed mid-body: got 8 of 40 bytes");
}

TEST_F(HttpClient, AConnectionClosedMidBodyIsConnectionFailed) {
  TestServer server({[](int fd) {
    if (!read_request(fd)) return;
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    send_all(fd, std::string(30, 'x'));
  }});
  Outcome out = fetch(server.port());
  EXPECT_EQ(out.error, errc::connection_failed);
  EXPECT_EQ(out.detail, "connection closed mid-body: got 30 of 100 bytes");
}

TEST_F(HttpClient, GarbageInsteadOfHttpIsBadResponse) {
  TestServer server({[](int fd) {
    if (read_request(fd)) send_all(fd, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
    wait_for_close(fd);
  }});
  Outcome out = fetch(server.port());
  EXPECT_EQ(out.error, errc::bad_response);
  EXPECT_EQ(out.detail.rfind("response is not HTTP: ", 0), 0u) << out.detail;
}

TEST_F(HttpClient, AnEndlessHeaderIsBadResponse) {
  TestServer server({[](int fd) {
    if (!read_request(fd)) return;
    bool open = send_all(fd, "HTTP/1.1 200 OK\r\n");
    // Until the client hangs up, or 4 MB: an endless header, bounded.
    for (int i = 0; open && i < 100'000; ++i)
      open = send_all(fd, "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  }});
  ClientOptions options;
  options.max_header_bytes = 4096;
  Outcome out = fetch(server.port(), options);
  EXPECT_EQ(out.error, errc::bad_response);
  EXPECT_EQ(out.detail, "header larger than 4096 bytes");
}

TEST_F(HttpClient, AHugeBodyIsBadResponse) {
  TestServer server({[](int fd) {
    if (!read_request(fd)) return;
    send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "1000\r\n" + std::string(4096, 'x') + "\r\n";
    for (int i = 0; i < 1000 && send_all(fd, chunk); ++i) {
    }
  }});
  ClientOptions options;
  options.max_body_bytes = 64 * 1024;
  Outcome out = fetch(server.port(), options);
  EXPECT_EQ(out.error, errc::bad_response);
  EXPECT_EQ(out.detail, "body larger than 65536 bytes");
}

TEST_F(HttpClient, ASilentServerTimesOutAtTheDeadline) {
  TestServer server({[](int fd) { wait_for_close(fd); }});
  ClientOptions options;
  options.deadline = 100ms;
  auto start = std::chrono::steady_clock::now();
  Outcome out = fetch(server.port(), options);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.error, errc::timeout);
  EXPECT_EQ(out.detail, "no answer within 100ms");
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 3s);
  // The server's wait_for_close ends because the client closed the socket.
  EXPECT_EQ(server.finish(), 1);
}

TEST_F(HttpClient, NobodyListeningIsConnectionRefused) {
  std::uint16_t port = closed_port();
  Outcome out = fetch(port);
  EXPECT_EQ(out.error, errc::connection_refused);
  EXPECT_EQ(out.detail, "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST_F(HttpClient, RetriesOnceWhenTheServerClosedAnIdleConnection) {
  TestServer server({[](int fd) {
                       // Answers, then closes: as a server whose keep-alive expired would.
                       if (read_request(fd)) send_all(fd, ok_response("first"));
                     },
                     [](int fd) {
                       if (read_request(fd)) send_all(fd, ok_response("second"));
                       wait_for_close(fd);
                     }});
  {
    Reactor reactor;
    Client client(reactor, {"127.0.0.1", server.port()});
    std::vector<std::string> bodies;
    client.get("/a", [&](std::error_code error, Response first) {
      EXPECT_FALSE(error) << client.last_error_detail();
      bodies.push_back(first.body);
      client.get("/b", [&](std::error_code error, Response second) {
        EXPECT_FALSE(error) << client.last_error_detail();
        bodies.push_back(second.body);
      });
    });
    reactor.run();
    EXPECT_EQ(bodies, (std::vector<std::string>{"first", "second"}));
  }
  EXPECT_EQ(server.finish(), 2);
}

TEST_F(HttpClient, AFreshConnectionClosedWithoutAnswerIsNotRetried) {
  TestServer server({[](int fd) { read_request(fd); }, [](int fd) { read_request(fd); }});
  Outcome out = fetch(server.port());
  EXPECT_EQ(out.error, errc::connection_failed);
  EXPECT_EQ(out.detail, "the server closed the connection without answering");
  EXPECT_EQ(server.finish(), 1) << "only a reused connection may be retried";
}

TEST_F(HttpClient, DestroyingTheClientDropsPendingHandlersWithoutCallingThem) {
  TestServer server({[](int fd) { wait_for_close(fd); }});
  Reactor reactor;
  ClientOptions options;
  options.max_connections = 1;
  auto client = std::make_unique<Client>(reactor, Endpoint{"127.0.0.1", server.port()}, options);
  auto alive = std::make_shared<int>();
  int calls = 0;
  for (int i = 0; i < 2; ++i) {
    client->get("/a", [&calls, owned = alive](std::error_code, Response) { ++calls; });
  }
  // Mid-request: the connection is open and its fd is watched.
  reactor.call_after(50ms, [&] {
    EXPECT_EQ(client->open_connections(), 1u);
    EXPECT_EQ(alive.use_count(), 3) << "both handlers are held, one in flight, one queued";
    client.reset();
  });
  reactor.run();
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(alive.use_count(), 1) << "the handlers were destroyed";
  EXPECT_EQ(reactor.pending(), 0u);
}

TEST_F(HttpClient, AHandlerMayDestroyTheClient) {
  TestServer server({[](int fd) {
    while (read_request(fd)) send_all(fd, ok_response("hi"));
  }});
  Reactor reactor;
  ClientOptions options;
  options.max_connections = 1;
  auto client = std::make_unique<Client>(reactor, Endpoint{"127.0.0.1", server.port()}, options);
  int calls = 0;
  client->get("/a", [&](std::error_code error, Response) {
    EXPECT_FALSE(error);
    ++calls;
    client.reset();  // the second request, queued, is dropped
  });
  client->get("/b", [&](std::error_code, Response) { ++calls; });
  reactor.run();
  EXPECT_EQ(calls, 1);
}

}  // namespace
