#include "common/unique_function.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <system_error>

// Counts this test binary's heap allocations, to see which callbacks fit the
// inline buffer.
namespace {
std::size_t allocations = 0;
}  // namespace
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace evo {
namespace {

TEST(UniqueFunction, HoldsAMoveOnlyCapture) {
  auto owned = std::make_unique<int>(7);
  UniqueFunction<int()> f = [p = std::move(owned)] { return *p; };
  UniqueFunction<int()> g = std::move(f);
  EXPECT_FALSE(f);
  EXPECT_EQ(g(), 7);
}

TEST(UniqueFunction, CountsTheLiveOnes) {
  std::size_t before = live_handlers();
  {
    UniqueFunction<void()> small = [] {};
    std::string big(200, 'x');
    UniqueFunction<void()> large = [big] { (void)big; };  // too big for the buffer
    EXPECT_EQ(live_handlers(), before + 2);
    UniqueFunction<void()> moved = std::move(large);
    EXPECT_EQ(live_handlers(), before + 2) << "a move hands over, it does not add";
    small = nullptr;
    EXPECT_EQ(live_handlers(), before + 1);
  }
  EXPECT_EQ(live_handlers(), before);
}

TEST(UniqueFunction, CallingAnEmptyOneThrowsLikeStdFunction) {
  UniqueFunction<void(int)> handler = [](int) {};
  UniqueFunction<void(int)> taken = std::exchange(handler, nullptr);
  taken(1);
  EXPECT_THROW(handler(2), std::bad_function_call) << "the second call of a handler";
}

TEST(UniqueFunction, ANullFunctionPointerMakesAnEmptyOne) {
  void (*none)() = nullptr;
  UniqueFunction<void()> f = none;
  EXPECT_FALSE(f);
  EXPECT_THROW(f(), std::bad_function_call);
}

TEST(UniqueFunction, ACallbackMayReplaceItselfWithItsContinuation) {
  // The continuation lives inside the running target, which the assignment
  // destroys: it must be taken out first (ASan finds the mistake).
  std::string log;
  UniqueFunction<void()> step;
  UniqueFunction<void()> second = [&log] { log += "2"; };
  step = [&log, &step, next = std::move(second)]() mutable {
    log += "1";
    step = std::move(next);
  };
  step();
  step();
  EXPECT_EQ(log, "12");
}

// A service's timer callback holds its caller's handler, a pointer and an id:
// the reactor's callback type has room for exactly that, so arming it costs
// no allocation, while a UniqueFunction stays a few words.
TEST(UniqueFunction, ACallbackHoldingAHandlerAndTwoWordsIsStoredWithoutAllocating) {
  int got = 0;
  UniqueFunction<void(std::error_code, int)> handler = [&got](std::error_code, int v) { got = v; };
  void* self = &got;
  int id = 42;
  std::size_t before = allocations;
  UniqueFunction<void()> callback = [self, id, handler = std::move(handler)]() mutable {
    handler({}, self ? id : 0);
  };
  EXPECT_EQ(allocations, before) << "the callback went to the heap";
  callback();
  EXPECT_EQ(got, 42);
  EXPECT_LE(sizeof(UniqueFunction<void()>), 80u);
  EXPECT_LE(sizeof(UniqueFunction<void(std::error_code, int)>), 56u);
}

}  // namespace
}  // namespace evo
