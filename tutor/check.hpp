#pragma once
// `tutor check`: build the learner's test binary, run it, and turn GoogleTest's
// JSON report into a short verdict: what was expected, what happened.

#include <string>
#include <vector>

#include "catalog.hpp"

namespace evo::tutor {

/// How long one exercise's tests may run: they take milliseconds on the
/// virtual clock, so a minute means something blocks.
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
  std::string build_output;  ///< the compiler's first errors, when it did not compile
  bool crashed = false;      ///< the test program died before writing its report
  bool timed_out = false;    ///< the test program ran past time_limit_seconds
  int total = 0;
  int passed = 0;
  std::vector<Failure> failures;

  Status status() const;
};

/// Builds (unless build is false) and runs the exercise's tests: the
/// learner's file, or with `solution` the reference (to check the checker).
CheckResult check(const Exercise& exercise, const Paths& paths, bool build, bool solution);

/// Parses GoogleTest's --gtest_output=json report.
CheckResult parse_gtest_json(const std::string& json);

std::string render_verdict(const Exercise& exercise, const CheckResult& result);

}  // namespace evo::tutor
