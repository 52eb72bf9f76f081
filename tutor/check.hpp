#pragma once
// `tutor check`: build the learner's test binary, run it, and turn GoogleTest's
// JSON report into a short verdict: what was expected, what happened.

#include <string>
#include <vector>

#include "catalog.hpp"

namespace evo::tutor {

/// How long one exercise's tests may run by default: they take milliseconds on
/// the virtual clock, so a minute means something blocks or never wakes.
inline constexpr int time_limit_seconds = 60;

struct Paths {
  fs::path source;    ///< the repository
  fs::path build;     ///< the CMake build directory (holds bin/ and exercises.tsv)
  fs::path progress;  ///< the progress file
};

struct CheckResult {
  struct Failure {
    std::string test;
    std::string message;
  };
  bool compiled = true;
  std::string build_output;   ///< the compiler's first errors, when it did not compile
  bool crashed = false;       ///< the test program died before writing its report
  bool timed_out = false;     ///< the test program ran past its time limit
  bool exited_early = false;  ///< it ended by itself (exit()) before writing its report
  bool not_built = false;     ///< it could not be started: not built
  int exit_status = 0;
  int time_limit = time_limit_seconds;
  std::string last_test;  ///< the check running when it crashed or ran out of time
  int total = 0;
  int passed = 0;
  std::vector<Failure> failures;

  Status status() const;
};

/// Builds (unless build is false) and runs the exercise's tests: the
/// learner's file, or with `solution` the reference (to check the checker).
CheckResult check(const Exercise& exercise, const Paths& paths, bool build, bool solution,
                  int time_limit = time_limit_seconds);

/// Parses GoogleTest's --gtest_output=json report.
CheckResult parse_gtest_json(const std::string& json);

std::string render_verdict(const Exercise& exercise, const CheckResult& result);

/// A crash's output, from its top: the check that was running, the kind of
/// error (a sanitizer's first line), and its first frames, those in the
/// learner's file marked; not the tail (allocation history, shadow bytes).
std::string crash_summary(const std::string& output, const std::string& learner_file);

/// The compiler's first diagnostics, from the first line that names a file
/// (not the build tool's command line), paths relative to the repository
/// (absolute ones, and those relative to the build directory).
std::string compiler_excerpt(const std::string& output, const fs::path& source,
                             const fs::path& build);

/// "300000000ns" -> "300ms", "1500000000ns" -> "1.5s": GoogleTest prints a
/// std::chrono duration in nanoseconds; a learner reads the unit the code wrote.
std::string readable_durations(const std::string& text);

}  // namespace evo::tutor
