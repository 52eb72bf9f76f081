// The whole workflow, per style: fan-out over N users (fetch each user, then
// that user's profile, all users at once), through each stage's StageApi on
// the virtual clock, beside the same workflow in plain Asio callback style
// (asio_fan_out.hpp). Per user: CPU time, heap allocations, bytes allocated,
// and the peak of live heap bytes while the workflow runs.

#include <boost/asio/io_context.hpp>
#include <stdexcept>

#include "asio_fan_out.hpp"
#include "common/reactor.hpp"
#include "common/services.hpp"
#include "measure.hpp"
#include "stage1_callbacks/adapter.hpp"
#include "stage2_futures/adapter.hpp"
#include "stage3_coroutines/adapter.hpp"

namespace evo::bench {
namespace {

std::vector<UserId> user_ids(std::int64_t users) {
  std::vector<UserId> ids;
  for (UserId id = 1; id <= users; ++id) ids.push_back(id);
  return ids;
}

// The loop and everything on it is made and destroyed inside the timed part:
// that is the whole cost of one workflow.
template <class RunOnce>
void fan_out(benchmark::State& state, RunOnce run_once) {
  std::int64_t users = scaled(state.range(0));
  std::vector<UserId> ids;
  std::int64_t peak = 0;
  Meter meter(state);
  for (auto _ : state) {
    meter.untimed([&] { ids = user_ids(users); });
    reset_peak();
    std::int64_t before = heap_stats().live;
    std::size_t profiles = run_once(std::move(ids));
    peak = std::max(peak, heap_stats().peak - before);
    if (profiles != static_cast<std::size_t>(users)) state.SkipWithError("profiles missing");
  }
  meter.finish(users);
  state.counters["peak_bytes_per_item"] = static_cast<double>(peak) / static_cast<double>(users);
}

void fan_out_stage(benchmark::State& state, const StageApi& stage) {
  fan_out(state, [&stage](std::vector<UserId> ids) {
    Reactor reactor(ClockMode::virtual_time);
    Services services(reactor, ServiceConfig{});
    std::size_t profiles = 0;
    reactor.spawn("fetch_all", [&] {
      stage.fetch_all(services, std::move(ids),
                      [&profiles](std::error_code ec, std::vector<UserProfile> all) {
                        if (ec) throw std::system_error(ec);
                        profiles = all.size();
                      },
                      {});  // no stop token: nobody cancels
    });
    reactor.run();
    return profiles;
  });
}

void fan_out_asio(benchmark::State& state) {
  fan_out(state, [](std::vector<UserId> ids) {
    boost::asio::io_context context(1);
    std::size_t profiles = 0;
    asio_fan_out::fetch_all(context, ids,
                            [&profiles](std::error_code ec, std::vector<UserProfile> all) {
                              if (ec) throw std::system_error(ec);
                              profiles = all.size();
                            });
    context.run();
    return profiles;
  });
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(100'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(fan_out_stage, stage1, stage1::stage_api())->Name("fan_out/stage1")->Apply(sizes);
BENCHMARK_CAPTURE(fan_out_stage, stage2, stage2::stage_api())->Name("fan_out/stage2")->Apply(sizes);
BENCHMARK_CAPTURE(fan_out_stage, stage3, stage3::stage_api())->Name("fan_out/stage3")->Apply(sizes);
BENCHMARK(fan_out_asio)->Name("fan_out/asio_callbacks")->Apply(sizes);

}  // namespace
}  // namespace evo::bench
