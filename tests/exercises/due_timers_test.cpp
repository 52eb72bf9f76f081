// Checks the due_timers exercise against its contract (common/exercises/due_timers.hpp).
#include "common/exercises/due_timers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;

TEST(DueTimers, TakesOnlyTheDueTimersEarliestFirst) {
  TimerQueue queue;
  std::vector<std::string> ran;
  queue.add(3s, [&] { ran.push_back("3s"); });
  queue.add(1s, [&] { ran.push_back("1s"); });
  queue.add(2s, [&] { ran.push_back("2s"); });
  auto due = queue.take_due(2s);
  ASSERT_EQ(due.size(), 2u) << "timers at 1s and 2s are due at 2s; the 3s one is not";
  for (auto& fn : due) fn();
  EXPECT_EQ(ran, (std::vector<std::string>{"1s", "2s"}));
  EXPECT_EQ(queue.size(), 1u) << "the 3s timer stays for later";
}

TEST(DueTimers, BreaksTiesInTheOrderTimersWereAdded) {
  TimerQueue queue;
  std::vector<int> ran;
  for (int i = 0; i < 5; ++i) queue.add(1s, [&, i] { ran.push_back(i); });
  for (auto& fn : queue.take_due(1s)) fn();
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2, 3, 4}));
}

// Sized to the mistake: std::sort on the deadline alone keeps equal keys in
// order below its small-sort threshold (16 elements), so five ties cannot
// tell a stable order from luck. Here 100 timers, two deadlines interleaved.
TEST(DueTimers, BreaksTiesInAddOrderAmongManyEqualDeadlines) {
  TimerQueue queue;
  std::vector<int> ran;
  for (int i = 0; i < 100; ++i) queue.add(i % 2 == 0 ? 2s : 1s, [&, i] { ran.push_back(i); });
  for (auto& fn : queue.take_due(2s)) fn();
  std::vector<int> expected;
  for (int i = 1; i < 100; i += 2) expected.push_back(i);  // the 1s timers, as added
  for (int i = 0; i < 100; i += 2) expected.push_back(i);  // then the 2s ones, as added
  EXPECT_EQ(ran, expected) << "same deadline: the order they were added (sort on (deadline, seq), "
                              "or use a stable sort)";
}

TEST(DueTimers, RunsNothingItself) {
  TimerQueue queue;
  bool ran = false;
  queue.add(0s, [&] { ran = true; });
  auto due = queue.take_due(0s);
  EXPECT_FALSE(ran) << "take_due hands the callbacks over; the ready phase runs them";
  ASSERT_EQ(due.size(), 1u);
  due[0]();
  EXPECT_TRUE(ran);
}

TEST(DueTimers, NothingDueMeansNothingTaken) {
  TimerQueue queue;
  queue.add(5s, [] {});
  EXPECT_TRUE(queue.take_due(4999ms).empty());
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.take_due(5s).size(), 1u);
  EXPECT_EQ(queue.size(), 0u);
}

TEST(DueTimers, NextDeadlineIsTheEarliestLeft) {
  TimerQueue queue;
  EXPECT_EQ(queue.next_deadline(), std::nullopt);
  queue.add(7s, [] {});
  queue.add(2s, [] {});
  queue.add(4s, [] {});
  EXPECT_EQ(queue.next_deadline(), 2s);
  queue.take_due(3s);
  EXPECT_EQ(queue.next_deadline(), 4s);
}

// The whole loop in miniature: jump to the next deadline, take what is due,
// run it; a callback may add a timer, which must not run in the same batch.
TEST(DueTimers, DrivesALoopOnVirtualTime) {
  TimerQueue queue;
  std::vector<std::string> log;
  Duration now{};
  queue.add(2s, [&] { log.push_back("A at " + std::to_string(now.count() / 1'000'000) + "ms"); });
  queue.add(1s, [&] {
    log.push_back("B at " + std::to_string(now.count() / 1'000'000) + "ms");
    queue.add(now + 500ms, [&] { log.push_back("C"); });
  });
  // A turn that takes nothing would repeat forever (time jumps to the same
  // deadline again): fail with what is known instead of hanging.
  while (auto next = queue.next_deadline()) {
    now = *next;
    auto due = queue.take_due(now);
    ASSERT_FALSE(due.empty()) << "the loop never got past " << now.count() / 1'000'000
                              << "ms: next_deadline() says a timer is due then, but "
                                 "take_due(now) took nothing. Are due timers collected with <=?";
    for (auto& fn : due) fn();
  }
  EXPECT_EQ(log, (std::vector<std::string>{"B at 1000ms", "C", "A at 2000ms"}));
}

}  // namespace
}  // namespace evo::exercises
