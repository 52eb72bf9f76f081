#include "catalog.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace evo::tutor {
namespace {

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, separator);) fields.push_back(field);
  return fields;
}

}  // namespace

std::vector<Exercise> read_catalog(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("no exercise catalog at " + file.string() + " (build first)");
  std::vector<Exercise> exercises;
  for (std::string line; std::getline(in, line);) {
    auto f = split(line, '\t');
    if (f.size() < 7) continue;
    exercises.push_back({f[0], f[1], f[2], f[3], f[4], f[5], f[6]});
  }
  return exercises;
}

std::string part_of(const Exercise& exercise) {
  if (exercise.folder.starts_with("stage1")) return "Stage 1: callbacks";
  if (exercise.folder.starts_with("stage2")) return "Stage 2: futures";
  if (exercise.folder.starts_with("stage3")) return "Stage 3: coroutines";
  return "The reactor";
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::not_started:
      return "not started";
    case Status::failing:
      return "failing";
    case Status::done:
      return "done";
  }
  return "?";
}

Progress Progress::load(const fs::path& file) {
  Progress progress;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    auto f = split(line, '\t');
    if (f.size() != 4) continue;  // a damaged line is forgotten, not fatal
    Entry entry;
    entry.status = f[1] == "done"      ? Status::done
                   : f[1] == "failing" ? Status::failing
                                       : Status::not_started;
    auto parse = [](const std::string& text, auto& out) {
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
      return ec == std::errc{} && end == text.data() + text.size();
    };
    if (!parse(f[2], entry.hints_shown) || !parse(f[3], entry.checked_file_time)) continue;
    entry.hints_shown = std::clamp(entry.hints_shown, 0, 100);
    progress.entries[f[0]] = entry;
  }
  return progress;
}

void Progress::save(const fs::path& file) const {
  std::ofstream out(file);
  if (!out) throw std::runtime_error("cannot save progress to " + file.string());
  for (const auto& [name, e] : entries) {
    out << name << '\t' << to_string(e.status) << '\t' << e.hints_shown << '\t'
        << e.checked_file_time << '\n';
  }
}

std::vector<std::string> read_hints(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> tiers;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## Hint")) {
      tiers.emplace_back();
    } else if (!tiers.empty()) {
      tiers.back() += line + "\n";
    }
  }
  for (std::string& tier : tiers) {
    while (!tier.empty() && (tier.back() == '\n' || tier.back() == ' ')) tier.pop_back();
    while (!tier.empty() && tier.front() == '\n') tier.erase(tier.begin());
  }
  return tiers;
}

long long modification_time(const fs::path& file) {
  std::error_code ec;
  auto time = fs::last_write_time(file, ec);
  return ec ? 0 : static_cast<long long>(time.time_since_epoch().count());
}

}  // namespace evo::tutor
