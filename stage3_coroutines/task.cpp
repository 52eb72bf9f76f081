#include "task.hpp"

#include <string_view>

namespace evo::stage3::detail {
namespace {

// "evo::stage3::Task<evo::UserProfile> evo::stage3::fetch_user_and_profile(
// evo::Services&, evo::UserId)" -> "fetch_user_and_profile".
std::string short_function_name(std::string_view full) {
  full = full.substr(0, full.find('('));
  if (auto space = full.rfind(' '); space != std::string_view::npos) full = full.substr(space + 1);
  for (std::string_view prefix : {"evo::stage3::detail::", "evo::stage3::", "{anonymous}::"}) {
    if (full.starts_with(prefix)) full.remove_prefix(prefix.size());
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

}  // namespace

std::string describe_chain(const PromiseBase* innermost) {
  std::string text;
  int depth = 0;
  for (const PromiseBase* frame = innermost; frame != nullptr; frame = frame->parent) {
    text += "  #" + std::to_string(depth++) + " " +
            short_function_name(frame->where.function_name()) + " at " +
            short_file_name(frame->where.file_name()) + ":" + std::to_string(frame->where.line()) +
            "\n";
  }
  return text;
}

}  // namespace evo::stage3::detail
