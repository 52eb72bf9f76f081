#include "stage2_futures/from_callbacks.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/services.hpp"

namespace evo::stage2 {
namespace {

using namespace std::chrono_literals;

class FromCallbacksTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_states(), 0u) << "a future's shared state leaked";
    EXPECT_EQ(live_handlers(), 0u);
  }
};

TEST_F(FromCallbacksTest, MakeFutureBridgesTheCallbackServices) {
  Reactor reactor(ClockMode::virtual_time);
  Services services(reactor, {});
  std::string name;
  make_future<User>([&](Handler<User> h) {
    services.fetch_user(3, std::move(h));
  }).then([&](User user) { name = user.name; });
  EXPECT_EQ(name, "");
  reactor.run();
  EXPECT_FALSE(name.empty());
  EXPECT_EQ(reactor.now(), services.config().user_latency);
}

TEST_F(FromCallbacksTest, SleepForCompletesAfterTheDelay) {
  Reactor reactor(ClockMode::virtual_time);
  Duration at{};
  sleep_for(reactor, 2s).then([&] { at = reactor.now(); });
  reactor.run();
  EXPECT_EQ(at, 2s);
}

// An operation that calls its handler before it returns (a cached answer):
// a million of them in a row, chained with then, in constant stack.
TEST_F(FromCallbacksTest, AMillionImmediatelyCompletingOperationsChainInConstantStack) {
  constexpr int links = 1'000'000;
  Future<int> chain = make_ready_future(0);
  for (int i = 0; i < links; ++i) {
    chain = std::move(chain).then(
        [](int v) { return make_future<int>([v](Handler<int> handler) { handler({}, v + 1); }); });
  }
  int seen = -1;
  std::move(chain).then([&](int v) { seen = v; });
  EXPECT_EQ(seen, links);
}

// An op that takes the handler and then throws. The exception comes out of
// make_future; nothing is completed or continued, twice or at all.
auto refuse_after_taking = [](Handler<int> handler) {
  Handler<int> taken = std::move(handler);
  throw std::runtime_error("refused");
};

TEST_F(FromCallbacksTest, AnOpThatThrowsAfterTakingTheHandlerThrowsOutOfMakeFuture) {
  EXPECT_THROW(make_future<int>(refuse_after_taking), std::runtime_error);
}

TEST_F(FromCallbacksTest, AHandlerKeptByAThrowingOpCompletesNothingLater) {
  Reactor reactor(ClockMode::virtual_time);
  auto keep_then_refuse = [&reactor](Handler<int> handler) {
    reactor.call_after(1s, [handler = std::move(handler)]() mutable { handler({}, 1); });
    throw std::runtime_error("refused");
  };
  EXPECT_THROW(make_future<int>(keep_then_refuse), std::runtime_error);
  reactor.run();  // the kept handler completes a promise nobody listens to
  EXPECT_EQ(reactor.now(), 1s);
}

TEST_F(FromCallbacksTest, AThrowingOpInsideAChainRunsNothingWithBrokenPromise) {
  Promise<int> start;
  std::vector<std::error_code> heard;
  start.get_future()
      .then([](int) { return make_future<int>(refuse_after_taking); })
      .on_complete([&](std::error_code ec, int) { heard.push_back(ec); });
  EXPECT_THROW(start.set_value(1), std::runtime_error);
  EXPECT_TRUE(heard.empty()) << "the chain heard " << heard.front().message()
                             << " before the exception came out";
}

}  // namespace
}  // namespace evo::stage2
