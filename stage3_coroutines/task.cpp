#include "task.hpp"

#include <string_view>

namespace evo::stage3::detail {
namespace {

// "evo::stage3::Task<evo::UserProfile> evo::stage3::fetch_user_and_profile(
// evo::Services&, evo::UserId)" -> "fetch_user_and_profile".
std::string short_function_name(std::string_view full) {
  // clang spells an unnamed namespace "(anonymous namespace)", GCC
  // "{anonymous}": drop clang's, so its "(" is not taken for the parameters.
  std::string spelled(full);
  constexpr std::string_view unnamed = "(anonymous namespace)::";
  for (auto at = spelled.find(unnamed); at != std::string::npos; at = spelled.find(unnamed)) {
    spelled.erase(at, unnamed.size());
  }
  full = spelled;
  full = full.substr(0, full.find('('));
  if (auto space = full.rfind(' '); space != std::string_view::npos) full = full.substr(space + 1);
  for (std::string_view prefix : {"evo::stage3::", "{anonymous}::"}) {
    if (full.starts_with(prefix) && !full.starts_with("evo::stage3::detail::")) {
      full.remove_prefix(prefix.size());
    }
  }
  return std::string(full);
}

// The last two parts of the path: "stage3_coroutines/workflow.cpp".
std::string short_file_name(std::string_view path) {
  auto last = path.rfind('/');
  if (last != std::string_view::npos && last > 0) {
    auto before = path.rfind('/', last - 1);
    if (before != std::string_view::npos) path.remove_prefix(before + 1);
  }
  return std::string(path);
}

// The backtrace of the exception now travelling up a chain. An exception
// leaves one frame and enters the next synchronously (the child's end resumes
// its awaiter, which rethrows it at once), so one record per thread is enough:
// it follows an exception as long as the same object keeps being rethrown.
struct InFlight {
  std::exception_ptr error;
  std::string chain;
  int depth = 0;
};
thread_local InFlight in_flight;

}  // namespace

void trace(const std::exception_ptr& error, const PromiseBase& frame) {
  if (in_flight.error != error) in_flight = InFlight{error, {}, 0};  // a new failure starts here
  std::string name = short_function_name(frame.function.function_name());
  if (name.starts_with("evo::stage3::detail::")) return;  // machinery, not the learner's code
  // Where it waited, or, if it failed before its first co_await, where it is.
  const std::source_location& at = frame.where.line() != 0 ? frame.where : frame.function;
  in_flight.chain += "  #" + std::to_string(in_flight.depth++) + " ";
  if (at.line() == 0) {
    // GCC 12 loses the location of a coroutine that throws before its first co_await.
    in_flight.chain += "(a coroutine that failed before its first co_await)\n";
    return;
  }
  in_flight.chain +=
      name + " at " + short_file_name(at.file_name()) + ":" + std::to_string(at.line()) + "\n";
}

void destroy_chain(PromiseBase* frame) noexcept {
  while (frame && frame->awaiter) frame = frame->awaiter;
  if (!frame || !frame->root || frame->destroying) return;
  frame->destroying = true;
  frame->root.destroy();
}

}  // namespace evo::stage3::detail

namespace evo::stage3 {

std::string async_backtrace(const std::exception_ptr& error) {
  using detail::in_flight;
  return error && error == in_flight.error ? in_flight.chain : std::string();
}

}  // namespace evo::stage3
