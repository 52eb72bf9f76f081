#include "asio_runner.hpp"

#include "asio_services.hpp"

namespace evo {
namespace {

// As in scenario.cpp: the caller's side of every scenario counts the calls
// and logs the result line.
std::string describe(const UserProfile& up) {
  return "user " + std::to_string(up.user.id) + " (" + up.user.name + "): " + up.profile.bio;
}

template <class T, class Describe>
Handler<T> finish(asio_engine::Loop& loop, Outcome& outcome, Describe describe_value) {
  return [&loop, &outcome, describe_value](std::error_code ec, T value) {
    ++outcome.handler_calls;
    outcome.error = ec;
    outcome.summary = ec ? "Error: " + ec.message() : "Result: " + describe_value(value);
    loop.log(outcome.summary);
  };
}

}  // namespace

void start_scenario(const AsioStageApi& stage, asio_engine::Services& services, const Scenario& s,
                    Outcome& outcome) {
  asio_engine::Loop& loop = services.loop();
  switch (s.kind) {
    case ScenarioKind::two_tasks:
    case ScenarioKind::blocking: {
      Duration block = s.kind == ScenarioKind::blocking ? s.block : Duration::zero();
      auto results = [](const std::vector<std::string>& r) {
        std::string text;
        for (const std::string& one : r) text += (text.empty() ? "" : ", ") + one;
        return "[" + text + "]";
      };
      stage.two_tasks(services, {s.delay_a, s.delay_b, block},
                      finish<std::vector<std::string>>(loop, outcome, results));
      break;
    }
    case ScenarioKind::chain:
    case ScenarioKind::failure:
      loop.spawn("user " + std::to_string(s.id), [&] {
        stage.fetch_user_and_profile(services, s.id, finish<UserProfile>(loop, outcome, describe));
      });
      break;
    case ScenarioKind::fan_out:
    case ScenarioKind::cancel:  // the Asio fan-out does not cancel: see stage 2's README
      loop.spawn("fetch_all", [&] {
        auto count = [](const std::vector<UserProfile>& all) {
          std::string text = std::to_string(all.size()) + " profiles";
          if (!all.empty()) text += ", first " + describe(all.front());
          return text;
        };
        stage.fetch_all(services, fan_out_ids(s),
                        finish<std::vector<UserProfile>>(loop, outcome, count));
      });
      break;
    case ScenarioKind::timeout:
      loop.spawn("user " + std::to_string(s.id), [&] {
        stage.fetch_with_timeout(services, s.id, s.timeout,
                                 finish<UserProfile>(loop, outcome, describe));
      });
      break;
  }
}

EngineRun run_on_asio(const AsioStageApi& stage, const Options& options, TraceObserver& observer,
                      Outcome& outcome, const volatile std::sig_atomic_t* stop) {
  asio_engine::Loop loop(options.clock);
  loop.set_observer(&observer);
  loop.stop_when(stop);
  asio_engine::Services services(loop, options.scenario.services);
  start_scenario(stage, services, options.scenario, outcome);
  loop.run();
  // Every handler Asio held was one of ours (Loop::Traced), and a suspended
  // coroutine is always waiting on one: none alive means no frame is left.
  asio_engine::HttpBackend* http = services.http();
  return {loop.now(), loop.stats(), loop.live_handlers(),
          http ? http->last_error_detail() : std::string(), http ? http->peak_connections() : 0};
}

}  // namespace evo
