// Specifies --backend http://HOST:PORT (common/http_services.cpp on the hand
// reactor, common/asio_http.cpp on Asio): every stage binary, on both engines,
// tells the same story over real sockets as on the simulated backend, fails
// the same way, and turns a dead or silent server into one clear line within
// the deadline. Then the part of the identical-trace proof that survives real
// I/O: for one chain, the three stages make the same reactor events.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "common/reactor.hpp"
#include "common/scenario.hpp"
#include "common/trace.hpp"
#include "stage1_callbacks/adapter.hpp"
#include "stage2_futures/adapter.hpp"
#include "stage3_coroutines/adapter.hpp"
#include "tests/http_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using evo::testing::ServerProcess;

// Each stage binary on each engine.
struct Binary {
  std::string stage;
  std::string engine;
  friend void PrintTo(const Binary& b, std::ostream* os) { *os << b.stage << "/" << b.engine; }
};

evo::testing::Exit run(const Binary& b, std::vector<std::string> args,
                       std::chrono::milliseconds within = 60s) {
  args.insert(args.begin(), {std::string(EVO_BIN_DIR) + "/" + b.stage, "--engine", b.engine});
  return evo::testing::run_to_exit(args, within);
}

// The story: every line but the total time, which real I/O cannot repeat.
std::vector<std::string> story(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("Total time:")) lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

ServerProcess user_service(std::vector<std::string> flags = {}) {
  std::vector<std::string> argv{evo::testing::user_service_path(), "--port", "0"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return ServerProcess(argv);
}

// A port on loopback that was free a moment ago: nobody listens there.
std::string refused_url() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

// A server that accepts (the kernel completes the handshake from the listen
// backlog) and never answers.
class SilentServer {
 public:
  SilentServer() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 16);
    socklen_t size = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

class HttpBackend : public testing::TestWithParam<Binary> {};

TEST_P(HttpBackend, ChainTellsTheSameStoryAsTheSimulatedBackend) {
  ServerProcess server = user_service();
  auto sim = run(GetParam(), {"--scenario", "chain", "--clock", "virtual"});
  auto http = run(GetParam(), {"--scenario", "chain", "--backend", server.url()});
  EXPECT_EQ(http.code, 0) << http.err;
  EXPECT_EQ(story(http.out), story(sim.out));
  EXPECT_EQ(story(http.out).back(), "Result: user 42 (Barbara): Barbara writes async C++");
}

TEST_P(HttpBackend, FanOutOfAThousandUsersEndsWithAThousandProfiles) {
  // No latency: 2,000 requests through at most 64 connections stay quick.
  ServerProcess server = user_service({"--latency-user", "0s", "--latency-profile", "0s"});
  // A deadline counts time in the queue too: the last of 2,000 requests gets
  // more than 5 s, for the sanitizers on a busy machine.
  auto http = run(GetParam(), {"--scenario", "fan-out", "--users", "1000", "--stats", "--timeout",
                               "30s", "--backend", server.url()});
  EXPECT_EQ(http.code, 0) << http.err;
  EXPECT_NE(http.out.find("Result: 1000 profiles, first user 1 (Grace)"), std::string::npos)
      << http.out;
  // --stats says how many connections the cap let open at once.
  EXPECT_NE(http.out.find("HTTP: peak 64 connections open at once (at most 64"), std::string::npos)
      << http.out;
}

// The load: 10,000 requests (5,000 users, a user and a profile each) per
// stage and engine on loopback, with zero errors.
TEST_P(HttpBackend, TenThousandRequestsOnLoopbackEndWithZeroErrors) {
  ServerProcess server = user_service({"--latency-user", "0s", "--latency-profile", "0s"});
  auto http = run(
      GetParam(),
      {"--scenario", "fan-out", "--users", "5000", "--timeout", "60s", "--backend", server.url()},
      120s);
  EXPECT_EQ(http.code, 0) << http.err;
  EXPECT_EQ(http.err, "");
  EXPECT_NE(http.out.find("Result: 5000 profiles, first user 1 (Grace)"), std::string::npos)
      << http.out;
}

TEST_P(HttpBackend, FailingUserExitsOneWithTheSimulatedStoryAndADetailLine) {
  ServerProcess server = user_service({"--fail", "user:7"});
  auto sim = run(GetParam(),
                 {"--scenario", "chain", "--id", "7", "--fail", "user:7", "--clock", "virtual"});
  auto http = run(GetParam(), {"--scenario", "chain", "--id", "7", "--backend", server.url()});
  EXPECT_EQ(http.code, 1);
  EXPECT_EQ(story(http.out), story(sim.out));
  EXPECT_EQ(story(http.out).back(), "Error: user not found");
  // Where and why, after the story's error line: the request that failed.
  EXPECT_NE(http.err.find("GET " + server.url() + "/api/user/7: user not found"), std::string::npos)
      << http.err;
}

// The server's latencies are the simulated ones (200 ms + 300 ms), so the
// profile is late for the 400 ms deadline; stages 2 and 3 on Asio cancel the
// losing fetch through its cancellation slot: no leak (exit 70) either way.
TEST_P(HttpBackend, TimeoutScenarioTellsTheSameStoryAsTheSimulatedBackend) {
  ServerProcess server = user_service();
  auto sim = run(GetParam(), {"--scenario", "timeout", "--clock", "virtual"});
  auto http = run(GetParam(), {"--scenario", "timeout", "--backend", server.url()});
  EXPECT_EQ(http.code, 1) << http.err;
  EXPECT_EQ(story(http.out), story(sim.out));
  EXPECT_EQ(story(http.out).back(), "Error: timed out");
}

TEST_P(HttpBackend, PythonStaticFileServerWorksAsTheBackend) {
  ServerProcess server(evo::testing::python_server_command());
  auto sim = run(GetParam(), {"--scenario", "chain", "--clock", "virtual"});
  auto http = run(GetParam(), {"--scenario", "chain", "--backend", server.url()});
  EXPECT_EQ(http.code, 0) << http.err;
  EXPECT_EQ(story(http.out), story(sim.out));
}

// The loop's own "Total time": the run's length without the process start,
// which the sanitizers on a busy machine can stretch to seconds.
std::chrono::duration<double> total_time(const std::string& out) {
  std::smatch match;
  if (!std::regex_search(out, match, std::regex("Total time: ([0-9.]+)s"))) return 1h;
  return std::chrono::duration<double>(std::stod(match[1]));
}

TEST_P(HttpBackend, RefusedPortGivesOneClearErrorLineAndExitsOneWithinTheDeadline) {
  auto http = run(GetParam(), {"--scenario", "chain", "--backend", refused_url()}, 30s);
  EXPECT_LT(total_time(http.out), 5s) << http.out;  // the default request deadline
  EXPECT_EQ(http.code, 1);
  EXPECT_EQ(story(http.out).back(), "Error: connection refused");
  std::vector<std::string> err = lines_of(http.err);
  ASSERT_FALSE(err.empty());
  EXPECT_NE(err.back().find("/api/user/42: connection refused"), std::string::npos) << http.err;
}

TEST_P(HttpBackend, ServerThatNeverAnswersTimesOutWithinTheDeadline) {
  SilentServer server;
  auto http = run(GetParam(),
                  {"--scenario", "chain", "--timeout", "300ms", "--backend", server.url()}, 30s);
  EXPECT_GE(total_time(http.out), 300ms) << http.out;
  EXPECT_LT(total_time(http.out), 2s) << http.out;  // the 300 ms deadline, not the default 5 s
  EXPECT_EQ(http.code, 1);
  EXPECT_EQ(story(http.out).back(), "Error: timed out");
  EXPECT_NE(http.err.find("/api/user/42: timed out"), std::string::npos) << http.err;
}

TEST_P(HttpBackend, TraceShowsFdWaitsWhereTheSimulatedBackendShowsTimers) {
  ServerProcess server = user_service();
  auto http = run(GetParam(), {"--scenario", "chain", "--trace", "--backend", server.url()});
  EXPECT_EQ(http.code, 0) << http.err;
  EXPECT_TRUE(std::regex_search(http.out, std::regex("user 42 waits: fd [0-9]+ readable")))
      << http.out;
  EXPECT_TRUE(std::regex_search(http.out, std::regex("user 42: fd [0-9]+ readable"))) << http.out;

  // The pictures drawn after the run see the same waits.
  std::string json = ::testing::TempDir() + "http_trace_" + std::to_string(::getpid()) + ".json";
  auto drawn = run(GetParam(), {"--scenario", "chain", "--gantt", "--trace-json", json, "--backend",
                                server.url()});
  EXPECT_EQ(drawn.code, 0) << drawn.err;
  EXPECT_NE(drawn.out.find("user 42"), std::string::npos) << drawn.out;  // the Gantt row
  std::ifstream in(json);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(std::regex_search(text.str(), std::regex("\"wait: fd [0-9]+ readable\"")));
  std::remove(json.c_str());
}

const Binary binaries[] = {
    {"stage1_callbacks", "hand"}, {"stage2_futures", "hand"}, {"stage3_coroutines", "hand"},
    {"stage1_callbacks", "asio"}, {"stage2_futures", "asio"}, {"stage3_coroutines", "asio"},
};
INSTANTIATE_TEST_SUITE_P(EveryStageAndEngine, HttpBackend, testing::ValuesIn(binaries),
                         [](const auto& info) {
                           return info.param.stage.substr(0, 6) + "_" + info.param.engine;
                         });

// What survives real I/O of the identical-trace proof. Times, fd numbers and
// event ids depend on the kernel and the clock; for one chain, the ORDER of
// events cannot (each step waits for the one before), so the three stages
// make the same sequence of event kinds, labels and details once those are
// blanked. A fan-out's arrival order is the network's: not comparable.
std::vector<std::string> normalised_chain_trace(const evo::StageApi& stage,
                                                const std::string& url) {
  evo::Scenario scenario;
  scenario.kind = evo::ScenarioKind::chain;
  std::string why;
  scenario.services.backend = evo::http::parse_url(url, &why);
  evo::Recorder recorder;
  {
    evo::Reactor reactor(evo::ClockMode::real);
    reactor.set_observer(&recorder);
    evo::Services services(reactor, scenario.services);
    evo::Outcome outcome;
    evo::start_scenario(stage, services, scenario, outcome);
    reactor.run();
    EXPECT_EQ(outcome.handler_calls, 1);
    EXPECT_FALSE(outcome.error) << outcome.error.message() << ": " << services.error_detail();
  }
  std::vector<std::string> lines;
  const std::regex numbers("fd [0-9]+");
  for (const auto& e : recorder.entries()) {
    lines.push_back(std::string(to_string(e.kind)) + " " + e.label + " " +
                    std::regex_replace(e.detail, numbers, "fd N"));
    // The kernel may hand over one answer in two reads: a wait repeated at
    // once (watched, ready, queued, run) is the same step, counted once.
    const std::size_t wait = 4;
    if (lines.size() >= 2 * wait && lines[lines.size() - wait].starts_with("fd_watched") &&
        std::equal(lines.end() - wait, lines.end(), lines.end() - 2 * wait)) {
      lines.resize(lines.size() - wait);
    }
  }
  return lines;
}

TEST(HttpBackendTrace, ThreeStagesMakeTheSameEventSequenceForOneChain) {
  ServerProcess server = user_service();
  auto one = normalised_chain_trace(evo::stage1::stage_api(), server.url());
  auto two = normalised_chain_trace(evo::stage2::stage_api(), server.url());
  auto three = normalised_chain_trace(evo::stage3::stage_api(), server.url());
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, three);
  // And the waits were sockets, not timers standing for them.
  EXPECT_NE(std::find(one.begin(), one.end(), "fd_watched user 42 fd N readable"), one.end());
}

// The server dies (SIGKILL) while every workflow waits for its answer: each
// pending workflow gets exactly one connection_failed, at once (not after
// the server's latency or the request deadline), and nothing is left behind:
// no handler, no future or frame, no open socket.
class KillsTheServerWhenAllAreWaiting : public evo::TraceObserver {
 public:
  KillsTheServerWhenAllAreWaiting(ServerProcess& server, int requests)
      : server_(server), requests_(requests) {}
  void on_event(const evo::Event& e) override {
    // A request written, its answer awaited: the client watches its socket.
    if (e.kind == evo::EventKind::fd_watched && e.detail.ends_with("readable") &&
        ++waiting_ == requests_) {
      server_.stop(SIGKILL);
    }
  }

 private:
  ServerProcess& server_;
  int requests_;
  int waiting_ = 0;
};

class ServerKilledMidRun : public testing::TestWithParam<const evo::StageApi*> {};

TEST_P(ServerKilledMidRun, EveryPendingWorkflowGetsOneConnectionFailed) {
  const evo::StageApi& stage = *GetParam();
  const int workflows = 16;  // under the client's cap of 64: every request is on the wire
  std::size_t fds_before = evo::testing::open_fd_count();
  std::vector<int> calls(workflows, 0);
  std::vector<std::error_code> errors(workflows);
  auto start = std::chrono::steady_clock::now();
  {
    ServerProcess server = user_service({"--latency-user", "30s"});
    KillsTheServerWhenAllAreWaiting killer(server, workflows);
    evo::ServiceConfig config;
    std::string why;
    config.backend = evo::http::parse_url(server.url(), &why);
    evo::Reactor reactor(evo::ClockMode::real);
    reactor.set_observer(&killer);
    evo::Services services(reactor, config);
    for (int i = 0; i < workflows; ++i) {
      stage.fetch_user_and_profile(services, i + 1,
                                   [&, i](std::error_code ec, evo::UserProfile) {
                                     ++calls[i];
                                     errors[i] = ec;
                                   },
                                   {});
    }
    reactor.run();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "not the latency, not the deadline";
  for (int i = 0; i < workflows; ++i) {
    EXPECT_EQ(calls[i], 1) << "workflow " << i;
    EXPECT_EQ(errors[i], evo::errc::connection_failed)
        << "workflow " << i << ": " << errors[i].message();
  }
  EXPECT_EQ(evo::live_handlers(), 0u);
  EXPECT_EQ(stage.live_objects(), 0u);
  EXPECT_EQ(evo::testing::open_fd_count(), fds_before) << "a socket left open";
}

INSTANTIATE_TEST_SUITE_P(EveryStage, ServerKilledMidRun,
                         testing::Values(&evo::stage1::stage_api(), &evo::stage2::stage_api(),
                                         &evo::stage3::stage_api()),
                         [](const auto& info) { return std::string(info.param->name); });

}  // namespace
