#pragma once
// What tutor knows: the exercises (a catalog CMake writes into the build
// directory), the learner's progress (a small file beside it), and the hints.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace evo::tutor {

namespace fs = std::filesystem;

struct Exercise {
  std::string name;
  std::string folder;  ///< "common/exercises", "stage1_callbacks/exercises", ...
  std::string title;
  fs::path learner_file;   ///< relative to the source tree
  fs::path solution_file;  ///< relative to the source tree
  fs::path hints_file;     ///< relative to the source tree
  std::string target;      ///< the learner's test binary
};

/// Reads build/<preset>/exercises.tsv (one exercise per line, in order).
std::vector<Exercise> read_catalog(const fs::path& file);

/// "Reactor", "Stage 1: callbacks", ...: which part of the course a folder is.
std::string part_of(const Exercise& exercise);

enum class Status { not_started, failing, done };
std::string_view to_string(Status status);

struct Progress {
  struct Entry {
    Status status = Status::not_started;
    int hints_shown = 0;
    long long checked_file_time = 0;  ///< the learner file's mtime when last checked
  };
  std::map<std::string, Entry> entries;

  static Progress load(const fs::path& file);
  void save(const fs::path& file) const;
};

/// The tiers of a hints file: the text under "## Hint 1", "## Hint 2", ...
std::vector<std::string> read_hints(const fs::path& file);

long long modification_time(const fs::path& file);

}  // namespace evo::tutor
