#pragma once
// The scenarios every stage runs, and the one interface through which the
// runner and the tests drive a stage.

#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "services.hpp"

namespace evo {

/// cancel: a fan-out in which one user fails, so the others are cancelled.
enum class ScenarioKind { two_tasks, chain, fan_out, failure, timeout, blocking, cancel };

struct Scenario {
  ScenarioKind kind = ScenarioKind::two_tasks;
  UserId id = 42;                                     ///< chain, failure, timeout
  std::int64_t users = 5;                             ///< fan-out: ids 1..users
  Duration delay_a = std::chrono::seconds(2);         ///< two-tasks, blocking
  Duration delay_b = std::chrono::seconds(1);         ///< two-tasks, blocking
  Duration block = std::chrono::milliseconds(2500);   ///< blocking: Task B's CPU work
  Duration timeout = std::chrono::milliseconds(400);  ///< timeout
  /// --cancel-after: the caller stops the workflow this long after the start
  /// (chain, failure, fan-out, timeout, cancel).
  std::optional<Duration> cancel_after;
  ServiceConfig services;
};

std::string_view to_string(ScenarioKind kind) noexcept;
std::optional<ScenarioKind> scenario_from_string(std::string_view name) noexcept;
/// "two-tasks, chain, fan-out, failure, timeout, blocking, cancel"
std::string scenario_names();
/// How long the same work would take one step after the other.
Duration sequential_time(const Scenario& scenario);
std::vector<UserId> fan_out_ids(const Scenario& scenario);

/// Task A and Task B of the walk-through: how long each waits, and how long
/// Task B blocks the loop first (zero but in the `blocking` scenario).
struct TwoTasks {
  Duration delay_a;
  Duration delay_b;
  Duration block_b;
};

namespace asio_engine {
class Services;
}

/// The same workflow on Boost.Asio (--engine asio, the stage's workflow_asio.cpp):
/// the entries of StageApi, on the Asio engine's services. Each starts the
/// workflow with a plain handler as its completion token.
struct AsioStageApi {
  void (*two_tasks)(asio_engine::Services&, TwoTasks, Handler<std::vector<std::string>>);
  void (*fetch_user_and_profile)(asio_engine::Services&, UserId, Handler<UserProfile>);
  void (*fetch_all)(asio_engine::Services&, std::vector<UserId>, Handler<std::vector<UserProfile>>);
  void (*fetch_with_timeout)(asio_engine::Services&, UserId, Duration, Handler<UserProfile>);
};

/// What a stage offers the runner and the typed tests: the workflow functions,
/// each ending in a callback whatever style the stage uses inside. Each stage
/// defines one in its adapter.cpp; this is the only place the styles meet.
struct StageApi {
  std::string_view name;  ///< the binary's name, e.g. "stage1_callbacks"
  void (*two_tasks)(Services&, TwoTasks, Handler<std::vector<std::string>>);
  /// The last argument cancels the workflow (common/cancel.hpp).
  void (*fetch_user_and_profile)(Services&, UserId, Handler<UserProfile>, std::stop_token);
  void (*fetch_all)(Services&, std::vector<UserId>, Handler<std::vector<UserProfile>>,
                    std::stop_token);
  void (*fetch_with_timeout)(Services&, UserId, Duration, Handler<UserProfile>, std::stop_token);
  /// Stage machinery still alive (futures' shared states, coroutine frames).
  std::size_t (*live_objects)();
  /// More about the last error than its error_code (stage 3: the awaiting chain).
  std::string (*error_details)();
  /// The stage on Boost.Asio; null if the stage has none.
  const AsioStageApi* asio = nullptr;
};

/// What the scenario ended with, as the caller saw it.
struct Outcome {
  int handler_calls = 0;  ///< must end as exactly 1
  std::error_code error;
  std::string summary;  ///< the result line the binaries print
};

/// Starts the scenario through `stage`; the result lands in `outcome` while
/// the reactor runs (the caller runs it). The result line is logged too.
void start_scenario(const StageApi& stage, Services& services, const Scenario& scenario,
                    Outcome& outcome);
/// The same on the Asio engine (common/asio_runner.cpp); the caller runs the loop.
void start_scenario(const AsioStageApi& stage, asio_engine::Services& services,
                    const Scenario& scenario, Outcome& outcome);

}  // namespace evo
