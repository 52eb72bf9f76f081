// Specifies user_service, the real HTTP server behind --backend, from the
// outside: a child process on port 0, asked over real sockets. Every wait is
// bounded (the fixture's polls); latencies are small and timed only from below.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/http_api.hpp"
#include "common/services.hpp"
#include "tests/http_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using evo::testing::HttpConnection;
using evo::testing::ServerProcess;

// A server on a free port, with latencies of 1ms unless `flags` set them.
ServerProcess start(std::vector<std::string> flags = {}) {
  std::vector<std::string> argv = {evo::testing::user_service_path(), "--port", "0"};
  for (const char* latency : {"--latency-user", "--latency-profile"}) {
    if (std::find(flags.begin(), flags.end(), latency) == flags.end()) {
      argv.insert(argv.end(), {latency, "1ms"});
    }
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  return ServerProcess(argv);
}

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

const evo::ServiceConfig defaults;

TEST(UserService, AnnouncesItsPortOnTheFirstLine) {
  ServerProcess server = start();
  EXPECT_EQ(server.first_line(), "listening on 127.0.0.1:" + std::to_string(server.port()));
}

TEST(UserService, AnswersAUserAsJson) {
  ServerProcess server = start();
  auto response = evo::testing::http_get(server.port(), "/api/user/42");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->header("Content-Type"), "application/json");
  EXPECT_EQ(response->body, evo::http_api::user_json(evo::simulated_user(defaults, 42).second));
}

TEST(UserService, AnswersAProfileAsJson) {
  ServerProcess server = start();
  auto response = evo::testing::http_get(server.port(), "/api/profile/42");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->body,
            evo::http_api::profile_json(evo::simulated_profile(defaults, 42).second));
}

TEST(UserService, AnswersAnIdThatCannotExistWith404Json) {
  ServerProcess server = start();
  auto user = evo::testing::http_get(server.port(), "/api/user/0");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->status, 404u);
  EXPECT_EQ(user->body, evo::http_api::error_json(evo::errc::user_not_found, 0));
  auto profile = evo::testing::http_get(server.port(), "/api/profile/-3");
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->status, 404u);
  EXPECT_EQ(profile->body, evo::http_api::error_json(evo::errc::profile_not_found, -3));
}

TEST(UserService, AnswersOtherPathsWith404Json) {
  ServerProcess server = start();
  for (const char* path : {"/", "/api/user/", "/api/user/abc", "/api/users/1", "/api/user/1/x"}) {
    auto response = evo::testing::http_get(server.port(), path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 404u) << path;
    EXPECT_EQ(response->body, std::string(R"({"error":"no such path","path":")") + path + "\"}");
  }
}

TEST(UserService, AnswersOtherMethodsWith405) {
  ServerProcess server = start();
  HttpConnection connection(server.port());
  connection.send("POST /api/user/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405u);
  EXPECT_EQ(response->header("Allow"), "GET");
  EXPECT_EQ(response->body, R"({"error":"method not allowed","method":"POST"})");
}

TEST(UserService, ServesManyRequestsOnOneConnection) {
  ServerProcess server = start();
  HttpConnection connection(server.port());
  auto user = connection.get("/api/user/1");
  auto profile = connection.get("/api/profile/1");
  auto missing = connection.get("/api/user/0");
  ASSERT_TRUE(user && profile && missing);
  EXPECT_EQ(user->status, 200u);
  EXPECT_TRUE(user->keep_alive);
  EXPECT_EQ(profile->body, evo::http_api::profile_json(evo::simulated_profile(defaults, 1).second));
  EXPECT_EQ(missing->status, 404u);
  EXPECT_TRUE(missing->keep_alive) << "a 404 is an answer, not a reason to hang up";
}

TEST(UserService, ClosesTheConnectionWhenTheClientSaysClose) {
  ServerProcess server = start();
  HttpConnection connection(server.port());
  auto response = connection.get("/api/user/1", /*close=*/true);
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->keep_alive);
  EXPECT_TRUE(connection.closed_by_peer());
}

TEST(UserService, FailsTheIdsNamedByFail) {
  ServerProcess server = start({"--fail", "user:3", "--fail", "profile:4"});
  HttpConnection connection(server.port());
  auto user3 = connection.get("/api/user/3");
  auto profile3 = connection.get("/api/profile/3");
  auto user4 = connection.get("/api/user/4");
  auto profile4 = connection.get("/api/profile/4");
  ASSERT_TRUE(user3 && profile3 && user4 && profile4);
  EXPECT_EQ(user3->status, 404u);
  EXPECT_EQ(user3->body, evo::http_api::error_json(evo::errc::user_not_found, 3));
  EXPECT_EQ(profile3->status, 200u);
  EXPECT_EQ(user4->status, 200u);
  EXPECT_EQ(profile4->status, 404u);
  EXPECT_EQ(profile4->body, evo::http_api::error_json(evo::errc::profile_not_found, 4));
}

TEST(UserService, ClosesEverySocketItAccepted) {
  ServerProcess server = start();
  const std::size_t before = evo::testing::open_fd_count(server.pid());
  for (int i = 0; i < 20; ++i) {
    HttpConnection connection(server.port());
    if (i % 2 == 0) {
      ASSERT_TRUE(connection.get("/api/user/1", /*close=*/true));
    } else {
      connection.send("garbage\r\n\r\n");
    }
    ASSERT_TRUE(connection.closed_by_peer());
  }
  // The server closes a socket in the same step that sends its end of the
  // connection; one loop thread, so once a later request is answered, every
  // earlier close has happened. What is left open: this connection alone.
  HttpConnection probe(server.port());
  ASSERT_TRUE(probe.get("/api/user/1"));
  EXPECT_EQ(evo::testing::open_fd_count(server.pid()), before + 1);
}

TEST(UserService, WaitsEachEndpointsLatencyBeforeAnswering) {
  ServerProcess server = start({"--latency-user", "30ms", "--latency-profile", "60ms"});
  HttpConnection connection(server.port());
  // A timer never fires early, so these lower bounds hold on any machine.
  auto start_user = std::chrono::steady_clock::now();
  ASSERT_TRUE(connection.get("/api/user/1"));
  EXPECT_GE(std::chrono::steady_clock::now() - start_user, 30ms);
  auto start_profile = std::chrono::steady_clock::now();
  ASSERT_TRUE(connection.get("/api/profile/1"));
  EXPECT_GE(std::chrono::steady_clock::now() - start_profile, 60ms);
}

TEST(UserService, ALatencyWaitHoldsUpNoOtherConnection) {
  // The user answer waits 100 s; the profile must come long before: the
  // latency is a timer on the loop, not a sleep that stalls every client.
  ServerProcess server = start({"--latency-user", "100s"});
  HttpConnection slow(server.port());
  slow.send_get("/api/user/1");
  auto fast = evo::testing::http_get(server.port(), "/api/profile/1", 5s);
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->status, 200u);
}

TEST(UserService, AnswersConnectionsOverTheCapWith503) {
  ServerProcess server = start({"--max-connections", "1"});
  HttpConnection first(server.port());
  ASSERT_TRUE(first.get("/api/user/1"));  // now the first is surely being served
  HttpConnection second(server.port());
  auto refused = second.get("/api/user/1");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503u);
  EXPECT_EQ(refused->body, R"({"error":"too many connections"})");
  EXPECT_TRUE(second.closed_by_peer());
  auto again = first.get("/api/user/2");  // the first is still served
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200u);
}

TEST(UserService, AnswersHeadersOverTheLimitWith431AndCloses) {
  ServerProcess server = start();
  HttpConnection connection(server.port());
  connection.send("GET /api/user/1 HTTP/1.1\r\nX-Big: " + std::string(16 * 1024, 'x') + "\r\n\r\n");
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431u);
  EXPECT_TRUE(connection.closed_by_peer());
}

// A request far over a limit: the server stops reading it at the limit. Its
// answer must still reach the client, which is still sending: closed with
// the rest unread, the socket would be reset and the answer could be lost.
TEST(UserService, AnswersAHugeRequestBeforeClosingNotWithAReset) {
  ServerProcess server = start();
  const std::string huge(4 * 1024 * 1024, 'x');
  for (auto [request, status] :
       {std::pair{"GET /api/user/1 HTTP/1.1\r\nX-Big: " + huge + "\r\n\r\n", 431u},
        std::pair{"GET /api/user/1 HTTP/1.1\r\nContent-Length: " + std::to_string(huge.size()) +
                      "\r\n\r\n" + huge,
                  413u}}) {
    HttpConnection connection(server.port());
    connection.send(request);
    auto response = connection.read_response();
    ASSERT_TRUE(response) << "expected " << status;
    EXPECT_EQ(response->status, status);
    EXPECT_TRUE(connection.closed_by_peer());
  }
}

TEST(UserService, AnswersGarbageWith400AndCloses) {
  ServerProcess server = start();
  HttpConnection connection(server.port());
  connection.send("this is not HTTP\r\n\r\n");
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400u);
  EXPECT_TRUE(connection.closed_by_peer());
}

TEST(UserService, APortInUseIsOneLineAndExit1) {
  ServerProcess first = start();
  auto second = evo::testing::run_to_exit(
      {evo::testing::user_service_path(), "--port", std::to_string(first.port())});
  EXPECT_EQ(second.code, 1);
  EXPECT_EQ(second.out, "");
  EXPECT_EQ(line_count(second.err), 1u) << second.err;
  EXPECT_EQ(second.err, "user_service: cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                            ": Address already in use\n");
}

TEST(UserService, BadFlagsAreOneLineAndExit64) {
  const std::vector<std::vector<std::string>> bad = {
      {"--port", "70000"},           {"--port", "http"},         {"--latency-user", "fast"},
      {"--latency-profile", "-5ms"}, {"--fail", "nobody:1"},     {"--fail", "user:0"},
      {"--host", "example"},         {"--max-connections", "0"}, {"--bogus"}};
  for (const auto& flags : bad) {
    std::vector<std::string> argv = {evo::testing::user_service_path()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto exit = evo::testing::run_to_exit(argv);
    EXPECT_EQ(exit.code, 64) << flags[0];
    EXPECT_EQ(line_count(exit.err), 1u) << exit.err;
    EXPECT_TRUE(exit.err.starts_with("user_service: error: ")) << exit.err;
    EXPECT_EQ(exit.out, "");
  }
}

TEST(UserService, StopsOnSigtermWithExit0AndOneLine) {
  ServerProcess server = start();
  HttpConnection idle(server.port());  // a kept-alive connection must not delay the stop
  ASSERT_TRUE(idle.get("/api/user/1"));
  EXPECT_EQ(server.stop(SIGTERM, 5s), 0);
  EXPECT_EQ(server.rest_of_stdout(), "user_service: stopped by SIGTERM (requests served: 1)\n");
  EXPECT_EQ(server.stderr_text(), "");
  EXPECT_TRUE(idle.closed_by_peer());
}

TEST(UserService, StopsOnSigintWithExit0MidRequest) {
  ServerProcess server = start({"--latency-user", "100s"});
  HttpConnection waiting(server.port());
  waiting.send_get("/api/user/1");  // its session is suspended in the latency wait
  HttpConnection probe(server.port());
  ASSERT_TRUE(probe.get("/api/profile/1"));  // so the first request has surely arrived
  EXPECT_EQ(server.stop(SIGINT, 5s), 0);
  EXPECT_EQ(server.rest_of_stdout(), "user_service: stopped by SIGINT (requests served: 1)\n");
  EXPECT_TRUE(waiting.closed_by_peer());
}

}  // namespace
