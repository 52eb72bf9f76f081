// Checks the when_all_tasks exercise against its contract
// (stage3_coroutines/exercises/when_all_tasks.hpp).
#include "stage3_coroutines/exercises/when_all_tasks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/errors.hpp"
#include "stage3_coroutines/from_callbacks.hpp"
#include "tests/exercises/outcome.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;
using stage3::live_frames;

class WhenAllTasks : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_frames(), 0u) << "a coroutine frame is still alive after run(): a task "
                                    "was never finished or never freed";
    EXPECT_EQ(live_handlers(), 0u) << "a callback was never called nor destroyed";
  }

  // A task of the kind a fan-out waits for: notes when it starts and ends.
  Task<int> sleeps(Duration d, int value) {
    starts.push_back(reactor.now());
    co_await stage3::sleep_for(reactor, d);  // suspends
    ++ended;
    co_return value;
  }

  Task<int> sleeps_then_fails(Duration d, errc error) {
    starts.push_back(reactor.now());
    co_await stage3::sleep_for(reactor, d);  // suspends
    ++ended;
    throw std::system_error(error);
  }

  Task<int> at_once(int value) {
    starts.push_back(reactor.now());
    ++ended;
    co_return value;
  }

  // Runs all_of over `tasks` to the end of the loop; keeps what it ended with.
  void run(std::vector<Task<int>> tasks) {
    stage3::start(all_of(reactor, std::move(tasks)),
                  [this](std::exception_ptr e, std::vector<int> v) {
                    ++finished;
                    finished_at = reactor.now();
                    error = e;
                    values = std::move(v);
                  });
    reactor.run();
  }

  Reactor reactor{ClockMode::virtual_time};
  std::vector<Duration> starts;
  int ended = 0;
  int finished = 0;
  Duration finished_at{-1};
  std::exception_ptr error;
  std::vector<int> values;
};

TEST_F(WhenAllTasks, RunsTheTasksAtOnceNotOneAfterAnother) {
  std::vector<Task<int>> tasks;
  tasks.push_back(sleeps(3s, 1));
  tasks.push_back(sleeps(1s, 2));
  tasks.push_back(sleeps(2s, 3));
  run(std::move(tasks));
  ASSERT_EQ(finished, 1) << "the result must arrive exactly once";
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(finished_at, 3s) << "all at once takes the longest task (3 s); one after the "
                                "other takes the sum (6 s): was each task started only when "
                                "it was awaited?";
  EXPECT_EQ(starts, (std::vector<Duration>{0s, 0s, 0s})) << "every task must start at once";
}

TEST_F(WhenAllTasks, GivesTheValuesInInputOrder) {
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(sleeps(Duration(5s) - i * 1s, i * 10));
  run(std::move(tasks));
  ASSERT_EQ(finished, 1) << describe(error);
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(values, (std::vector<int>{0, 10, 20, 30, 40}))
      << "the tasks finish last-first; the values must still be in the order of the input";
  EXPECT_EQ(finished_at, 5s);
}

TEST_F(WhenAllTasks, CountsTasksThatFinishWithoutWaiting) {
  std::vector<Task<int>> tasks;
  tasks.push_back(at_once(7));
  tasks.push_back(sleeps(1s, 8));
  tasks.push_back(at_once(9));
  run(std::move(tasks));
  ASSERT_EQ(finished, 1) << describe(error);
  EXPECT_FALSE(error) << describe(error);
  EXPECT_EQ(values, (std::vector<int>{7, 8, 9}));
  EXPECT_EQ(finished_at, 1s);
}

// Every part finishing at once, the case a join counter gets wrong most often:
// twenty timers fire in one phase of the loop, and then twenty tasks that
// never wait at all. Either way the result comes once, complete, in order.
TEST_F(WhenAllTasks, ManyTasksFinishingAtTheSameMomentGiveOneResult) {
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 20; ++i) tasks.push_back(sleeps(1s, i));
  run(std::move(tasks));
  ASSERT_EQ(finished, 1) << "twenty tasks ended in the same turn: one result, once: "
                         << describe(error);
  EXPECT_FALSE(error) << describe(error);
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i) expected[i] = i;
  EXPECT_EQ(values, expected);
  EXPECT_EQ(finished_at, 1s);
}

TEST_F(WhenAllTasks, TasksThatAllFinishWithoutWaitingGiveOneResult) {
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 20; ++i) tasks.push_back(at_once(i));
  run(std::move(tasks));
  ASSERT_EQ(finished, 1) << "no task waited: all_of still ends once: " << describe(error);
  EXPECT_FALSE(error) << describe(error);
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i) expected[i] = i;
  EXPECT_EQ(values, expected);
  EXPECT_EQ(reactor.now(), 0s);
}

TEST_F(WhenAllTasks, ThrowsTheErrorOfAFailedTask) {
  std::vector<Task<int>> tasks;
  tasks.push_back(sleeps(3s, 1));
  tasks.push_back(sleeps_then_fails(1s, errc::profile_not_found));
  tasks.push_back(sleeps(2s, 3));
  run(std::move(tasks));
  ASSERT_EQ(finished, 1) << "the result (here: the error) must arrive exactly once";
  ASSERT_TRUE(error) << "a task failed, so all_of must throw; it returned values instead";
  try {
    std::rethrow_exception(error);
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::profile_not_found) << "throw the failed task's own error";
  } catch (...) {
    FAIL() << "expected the task's std::system_error, got: " << describe(error);
  }
  EXPECT_EQ(ended, 3) << "the tasks that did not fail still run to their end";
  EXPECT_EQ(reactor.now(), 3s);
}

TEST_F(WhenAllTasks, AnEmptyListGivesAnEmptyVector) {
  run({});
  ASSERT_EQ(finished, 1) << "nothing to wait for: all_of must still finish: " << describe(error);
  EXPECT_FALSE(error) << describe(error);
  EXPECT_TRUE(values.empty());
  EXPECT_EQ(reactor.now(), 0s);
}

}  // namespace
}  // namespace evo::exercises
