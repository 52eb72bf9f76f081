#pragma once
// How far the stack moved across many steps: the tests that run a million
// steps use it to show "constant stack", not merely "did not crash".

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace evo::test {

/// The frame address of an ordinary, not inlined, function: where the stack
/// is now. (A coroutine's own locals live in its frame on the heap, so they
/// cannot tell.)
[[gnu::noinline]] inline std::uintptr_t stack_position() {
  return reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));  // GCC and clang
}

/// The lowest and highest stack positions note() saw: their distance is the growth.
class StackSpan {
 public:
  void note() {
    std::uintptr_t here = stack_position();
    low_ = std::min(low_, here);
    high_ = std::max(high_, here);
  }
  std::size_t bytes() const { return high_ - low_; }

 private:
  std::uintptr_t low_ = UINTPTR_MAX;
  std::uintptr_t high_ = 0;
};

/// What "flat" means in these tests: far less than a frame per step.
inline constexpr std::size_t flat_stack = 64 * 1024;

}  // namespace evo::test
