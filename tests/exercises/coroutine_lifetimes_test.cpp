// Checks the coroutine_lifetimes exercise against its contract
// (stage3_coroutines/exercises/coroutine_lifetimes.hpp).
#include "stage3_coroutines/exercises/coroutine_lifetimes.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/exercises/outcome.hpp"

namespace evo::exercises {
namespace {

using namespace std::chrono_literals;

class CoroutineLifetimes : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(stage3::live_frames(), 0u) << "a coroutine frame was not freed";
  }

  // Starts the task and keeps what it gave.
  void run(Task<std::string> task) {
    stage3::start(std::move(task), [this](std::exception_ptr error, std::string text) {
      ++answers;
      greeting = error ? "error: " + describe(error) : text;
    });
    reactor.run();
  }

  Reactor reactor{ClockMode::virtual_time};
  int answers = 0;
  std::string greeting;
};

TEST_F(CoroutineLifetimes, GreetLaterWorksWhenTheNameOutlivesTheTask) {
  Name ada("Ada");
  run(greet_later(reactor, ada, 1s));
  EXPECT_EQ(greeting, "Hello, Ada");
  EXPECT_EQ(reactor.now(), 1s) << "it waits `delay` on the reactor";
}

TEST_F(CoroutineLifetimes, GreetLaterWorksAfterTheCallersTemporaryIsGone) {
  // The temporary Name dies at the end of this statement; the task has not
  // even started by then (a Task is lazy).
  Task<std::string> task = greet_later(reactor, Name("Grace"), 1s);
  run(std::move(task));
  EXPECT_EQ(answers, 1);
  EXPECT_EQ(greeting, "Hello, Grace")
      << "the task read a Name that was destroyed before it ran: it kept a reference to the "
         "caller's object in its frame instead of a copy";
}

TEST_F(CoroutineLifetimes, AGreetersTaskWorksWhileTheGreeterLives) {
  auto greeter = make_greeter(Name("Alan"), 2s);
  run(greeter(reactor));
  EXPECT_EQ(greeting, "Hello, Alan");
  EXPECT_EQ(reactor.now(), 2s);
}

TEST_F(CoroutineLifetimes, AGreetersTaskWorksAfterTheGreeterIsGone) {
  Task<std::string> task = [this] {
    auto greeter = make_greeter(Name("Barbara"), 1s);
    return greeter(reactor);
  }();  // the greeter, and everything its lambda captured, is destroyed here
  run(std::move(task));
  EXPECT_EQ(answers, 1);
  EXPECT_EQ(greeting, "Hello, Barbara")
      << "the task read what the greeter's lambda captured, after the lambda was destroyed: a "
         "lambda that is a coroutine keeps only a pointer to its captures";
}

}  // namespace
}  // namespace evo::exercises
