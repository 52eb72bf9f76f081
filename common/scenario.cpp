#include "scenario.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <stop_token>
#include <utility>

namespace evo {
namespace {

constexpr std::array<std::pair<ScenarioKind, std::string_view>, 7> kNames{{
    {ScenarioKind::two_tasks, "two-tasks"},
    {ScenarioKind::chain, "chain"},
    {ScenarioKind::fan_out, "fan-out"},
    {ScenarioKind::failure, "failure"},
    {ScenarioKind::timeout, "timeout"},
    {ScenarioKind::blocking, "blocking"},
    {ScenarioKind::cancel, "cancel"},
}};

std::string describe(const UserProfile& up) {
  return "user " + std::to_string(up.user.id) + " (" + up.user.name + "): " + up.profile.bio;
}

// --cancel-after: the caller's stop request, armed on a timer, and disarmed if
// the workflow answers first (so the run ends with the workflow).
struct Caller {
  std::stop_source stop;
  TimerId cancel_timer;
};

// Wraps the caller's side of every scenario: count the calls, log the result.
template <class T, class Describe>
Handler<T> finish(Reactor& reactor, Outcome& outcome, Describe describe_value,
                  std::shared_ptr<Caller> caller = nullptr) {
  return [&reactor, &outcome, describe_value, caller](std::error_code ec, T value) {
    if (caller) reactor.cancel(caller->cancel_timer);
    ++outcome.handler_calls;
    outcome.error = ec;
    outcome.summary = ec ? "Error: " + ec.message() : "Result: " + describe_value(value);
    reactor.log(outcome.summary);
  };
}

}  // namespace

std::string_view to_string(ScenarioKind kind) noexcept {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<ScenarioKind> scenario_from_string(std::string_view name) noexcept {
  for (const auto& [kind, n] : kNames) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

std::string scenario_names() {
  std::string names;
  for (const auto& entry : kNames) {
    if (!names.empty()) names += ", ";
    names += entry.second;
  }
  return names;
}

Duration sequential_time(const Scenario& s) {
  Duration one_user = s.services.user_latency + s.services.profile_latency;
  switch (s.kind) {
    case ScenarioKind::two_tasks:
      return s.delay_a + s.delay_b;
    case ScenarioKind::blocking:
      return s.delay_a + s.delay_b + s.block;
    case ScenarioKind::fan_out:  // saturate: 10 million users of 2 million seconds each overflow
    case ScenarioKind::cancel:
      return one_user.count() > Duration::max().count() / std::max<std::int64_t>(s.users, 1)
                 ? Duration::max()
                 : one_user * s.users;
    case ScenarioKind::chain:
    case ScenarioKind::failure:
    case ScenarioKind::timeout:
      return one_user;  // a chain cannot overlap: the profile needs the user first
  }
  return {};
}

std::vector<UserId> fan_out_ids(const Scenario& s) {
  std::vector<UserId> ids;
  ids.reserve(static_cast<std::size_t>(s.users));
  for (UserId id = 1; id <= s.users; ++id) ids.push_back(id);
  return ids;
}

void start_scenario(const StageApi& stage, Services& services, const Scenario& s,
                    Outcome& outcome) {
  Reactor& reactor = services.reactor();
  std::shared_ptr<Caller> caller;
  std::stop_token stop;  // none: nobody cancels from outside
  if (s.cancel_after) {
    caller = std::make_shared<Caller>();
    stop = caller->stop.get_token();
    caller->cancel_timer = reactor.call_after(
        *s.cancel_after,
        [&reactor, caller] {
          reactor.log("Caller: cancel");
          caller->stop.request_stop();
        },
        "cancel");
  }
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
                      finish<std::vector<std::string>>(reactor, outcome, results));
      break;
    }
    case ScenarioKind::chain:
    case ScenarioKind::failure:
      reactor.spawn("user " + std::to_string(s.id), [&, caller, stop] {
        stage.fetch_user_and_profile(services, s.id,
                                     finish<UserProfile>(reactor, outcome, describe, caller), stop);
      });
      break;
    case ScenarioKind::fan_out:
    case ScenarioKind::cancel:
      reactor.spawn("fetch_all", [&, caller, stop] {
        auto count = [](const std::vector<UserProfile>& all) {
          std::string text = std::to_string(all.size()) + " profiles";
          if (!all.empty()) text += ", first " + describe(all.front());
          return text;
        };
        stage.fetch_all(services, fan_out_ids(s),
                        finish<std::vector<UserProfile>>(reactor, outcome, count, caller), stop);
      });
      break;
    case ScenarioKind::timeout:
      reactor.spawn("user " + std::to_string(s.id), [&, caller, stop] {
        stage.fetch_with_timeout(services, s.id, s.timeout,
                                 finish<UserProfile>(reactor, outcome, describe, caller), stop);
      });
      break;
  }
}

}  // namespace evo
