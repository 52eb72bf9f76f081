// Specifies tests/http_fixture, the ground every http test stands on (a
// server child found by its banner, killed and reaped; bounded waits), and
// tests/fixtures/http_api, the static files python serves as a backend.
#include "tests/http_fixture.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <fcntl.h>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/errors.hpp"
#include "common/http_api.hpp"
#include "common/services.hpp"

namespace {

using namespace std::chrono_literals;
using evo::testing::ServerProcess;

const evo::UserId fixture_ids[] = {1, 2, 3, 4, 5, 42};

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HttpFixture, ReadsThePortFromBothBanners) {
  using evo::testing::port_from_banner;
  EXPECT_EQ(port_from_banner("listening on 127.0.0.1:8080"), 8080);
  EXPECT_EQ(port_from_banner("Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."),
            41234);
  EXPECT_EQ(port_from_banner("listening on 127.0.0.1:"), std::nullopt);
  EXPECT_EQ(port_from_banner("listening on 127.0.0.1:99999"), std::nullopt);
  EXPECT_EQ(port_from_banner("listening on 127.0.0.1:80x"), std::nullopt);
  EXPECT_EQ(port_from_banner("Task A: Starting"), std::nullopt);
}

TEST(HttpFixture, ThrowsWithTheChildsStderrWhenNoPortIsAnnounced) {
  try {
    ServerProcess server({evo::testing::user_service_path(), "--bogus"});
    FAIL() << "started without a banner";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--bogus"), std::string::npos) << e.what();
  }
}

TEST(HttpFixture, GivesUpOnASilentProgramWithinTheWait) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(ServerProcess({"sleep", "30"}, 200ms), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(HttpFixture, KillsAndReapsTheServerWhenDestroyed) {
  pid_t pid;
  {
    ServerProcess server({evo::testing::user_service_path(), "--port", "0"});
    pid = server.pid();
    ASSERT_EQ(::kill(pid, 0), 0) << "running";
  }
  // A killed but unreaped child is a zombie, and kill(pid, 0) still finds it.
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(HttpFixture, LeavesNoFdBehind) {
  std::size_t before = evo::testing::open_fd_count();
  {
    ServerProcess server({evo::testing::user_service_path(), "--port", "0"});
    evo::testing::HttpConnection connection(server.port());
    connection.send_get("/api/user/1");
    EXPECT_GT(evo::testing::open_fd_count(), before);
  }
  EXPECT_THROW(ServerProcess({evo::testing::user_service_path(), "--bogus"}), std::runtime_error);
  evo::testing::run_to_exit({"true"});
  EXPECT_EQ(evo::testing::open_fd_count(), before);
}

TEST(HttpFixture, CountsOpenFds) {
  std::size_t before = evo::testing::open_fd_count();
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evo::testing::open_fd_count(), before + 1);
  ::close(fd);
  EXPECT_EQ(evo::testing::open_fd_count(), before);
}

TEST(HttpFixture, RunToExitGivesTheExitCodeAndBothOutputs) {
  auto exit = evo::testing::run_to_exit({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(exit.code, 3);
  EXPECT_EQ(exit.out, "out\n");
  EXPECT_EQ(exit.err, "err\n");
}

TEST(HttpFixture, RunToExitStopsAProgramThatOverstays) {
  auto start = std::chrono::steady_clock::now();
  auto exit = evo::testing::run_to_exit({"sleep", "30"}, 200ms);
  EXPECT_EQ(exit.code, std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(HttpFixtures, EachFileIsWhatHttpApiEncodes) {
  const std::string dir = evo::testing::http_fixtures_dir();
  evo::ServiceConfig defaults;
  for (evo::UserId id : fixture_ids) {
    EXPECT_EQ(file_text(dir + evo::http_api::user_target(id)),
              evo::http_api::user_json(evo::simulated_user(defaults, id).second))
        << id;
    EXPECT_EQ(file_text(dir + evo::http_api::profile_target(id)),
              evo::http_api::profile_json(evo::simulated_profile(defaults, id).second))
        << id;
  }
}

TEST(HttpFixtures, PythonServesThemAsTheApi) {
  ServerProcess python(evo::testing::python_server_command());
  evo::ServiceConfig defaults;
  for (evo::UserId id : fixture_ids) {
    auto user = evo::testing::http_get(python.port(), evo::http_api::user_target(id));
    ASSERT_TRUE(user) << id;
    EXPECT_EQ(user->status, 200u);
    EXPECT_EQ(evo::http_api::decode_user(user->status, user->body).second.name,
              evo::simulated_user(defaults, id).second.name);
  }
  auto profile = evo::testing::http_get(python.port(), evo::http_api::profile_target(42));
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->body,
            evo::http_api::profile_json(evo::simulated_profile(defaults, 42).second));
  // An id with no file is a 404, which the API reads as "user not found".
  auto missing = evo::testing::http_get(python.port(), evo::http_api::user_target(7));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404u);
  EXPECT_EQ(evo::http_api::decode_user(missing->status, missing->body).first,
            evo::errc::user_not_found);
}

}  // namespace
