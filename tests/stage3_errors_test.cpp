// How errors leave a task (task.hpp, task.cpp): the original exception,
// whatever its type, with the async backtrace beside it; and misuse of a
// Task, which is a std::logic_error rather than undefined behaviour.
#include "stage3_coroutines/task.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "common/errors.hpp"
#include "stage3_coroutines/combinators.hpp"
#include "stage3_coroutines/from_callbacks.hpp"

namespace evo::stage3 {
namespace {

using namespace std::chrono_literals;

class TaskErrorsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(live_frames(), 0u) << "a coroutine frame leaked";
    EXPECT_EQ(live_handlers(), 0u);
  }

  // Starts a task and keeps what it ended with.
  template <class T>
  void run_task(Task<T> task) {
    start(std::move(task), [this](std::exception_ptr e, detail::Stored<T>) {
      ++finished;
      error = e;
    });
  }

  Reactor reactor{ClockMode::virtual_time};
  int finished = 0;
  std::exception_ptr error;
};

Task<int> answer(int& runs) {
  ++runs;
  co_return 42;
}

// A subclass of std::system_error, and a
// type unrelated to std::exception, each thrown three frames deep.
class QuotaExceeded : public std::system_error {
 public:
  explicit QuotaExceeded(int used)
      : std::system_error(errc::bad_response, "quota exceeded after " + std::to_string(used)),
        used(used) {}
  int used;
};

struct NotAnException {
  std::string text;
};

template <class Error>
Task<int> throws_deep(Reactor& r, Error error) {
  co_await sleep_for(r, 1s);
  throw error;
}

template <class Error>
Task<int> middle(Reactor& r, Error error) {
  co_return co_await throws_deep(r, std::move(error));
}

template <class Error>
Task<int> top(Reactor& r, Error error) {
  co_return co_await middle(r, std::move(error));
}

TEST_F(TaskErrorsTest, ASystemErrorSubclassKeepsItsTypeAndTextThroughEveryFrame) {
  std::string caught_text;
  int used = 0;
  auto catcher = [](Reactor& r, std::string& text, int& used) -> Task<void> {
    try {
      co_await top(r, QuotaExceeded(7));
    } catch (const QuotaExceeded& e) {
      text = e.what();
      used = e.used;
    }
  };
  run_task(catcher(reactor, caught_text, used));
  run_task(top(reactor, QuotaExceeded(8)));
  reactor.run();
  EXPECT_EQ(used, 7) << "catch (const QuotaExceeded&) matched, three frames up";
  EXPECT_NE(caught_text.find("quota exceeded after 7"), std::string::npos) << caught_text;
  // The second one reached start()'s callback: the same object, and its path.
  ASSERT_TRUE(error);
  std::string chain = async_backtrace(error);
  EXPECT_THROW(std::rethrow_exception(error), QuotaExceeded);
  EXPECT_NE(chain.find("#0 throws_deep"), std::string::npos) << chain;
  EXPECT_NE(chain.find("#1 middle"), std::string::npos) << chain;
  EXPECT_NE(chain.find("#2 top"), std::string::npos) << chain;
}

TEST_F(TaskErrorsTest, AnExceptionOfAnyTypeKeepsItsIdentityAndGetsABacktrace) {
  run_task(top(reactor, NotAnException{"plain struct"}));
  reactor.run();
  ASSERT_TRUE(error);
  std::string chain = async_backtrace(error);
  try {
    std::rethrow_exception(error);
  } catch (const NotAnException& e) {
    EXPECT_EQ(e.text, "plain struct");
  } catch (...) {
    ADD_FAILURE() << "the exception changed type";
  }
  EXPECT_NE(chain.find("#0 throws_deep"), std::string::npos) << chain;
  EXPECT_NE(chain.find("#2 top"), std::string::npos) << chain;
}

// Misuse is a clear std::logic_error, not undefined behaviour.
std::string logic_error_of(std::exception_ptr error) {
  try {
    if (error) std::rethrow_exception(error);
  } catch (const std::logic_error& e) {
    return e.what();
  } catch (...) {
  }
  return "(no logic_error)";
}

TEST_F(TaskErrorsTest, AwaitingATaskTwiceThrowsLogicError) {
  int runs = 0;
  auto awaits_twice = [](int& runs) -> Task<int> {
    Task<int> once = answer(runs);
    int a = co_await std::move(once);
    int b = co_await std::move(once);  // the bug
    co_return a + b;
  };
  run_task(awaits_twice(runs));
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(logic_error_of(error), "a Task can be awaited only once");
}

TEST_F(TaskErrorsTest, AwaitingAMovedFromTaskThrowsLogicError) {
  int runs = 0;
  auto awaits_moved = [](int& runs) -> Task<int> {
    Task<int> first = answer(runs);
    Task<int> second = std::move(first);
    co_return co_await std::move(first);  // the bug: `second` owns it now
  };
  run_task(awaits_moved(runs));
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(logic_error_of(error), "this Task was moved from: await or start the new one");
}

TEST_F(TaskErrorsTest, StartingAMovedFromTaskThrowsLogicErrorAndCallsNothing) {
  int runs = 0;
  Task<int> first = answer(runs);
  Task<int> second = std::move(first);
  EXPECT_THROW(start(std::move(first), [&](std::exception_ptr, int) { ++finished; }),
               std::logic_error);
  EXPECT_EQ(finished, 0);
  EXPECT_THROW((void)spawn(reactor, "moved", std::move(first)), std::logic_error);
}

}  // namespace
}  // namespace evo::stage3
