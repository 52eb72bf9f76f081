#include "check.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace evo::tutor {
namespace {

constexpr auto npos = std::string::npos;

std::string shell_quote(const std::string& s) {
  std::string quoted = "'";
  for (char c : s) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs a shell command; returns its exit status and (stdout+stderr) output.
int run_command(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The check GoogleTest was running last: its "[ RUN      ] Suite.Name" line.
std::string last_started_test(const std::string& output) {
  std::string test;
  for (const std::string& line : lines_of(output)) {
    if (line.starts_with("[ RUN      ] ")) test = line.substr(13);
  }
  return test;
}

// Whether the output holds a report of a crash: a sanitizer's, the runtime's.
bool says_crash(const std::string& output) {
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                             "terminate called", "Segmentation fault", "Aborted"}) {
    if (output.find(marker) != std::string::npos) return true;
  }
  return false;
}

// What kind of error a crash's output reports, in plain words.
std::string kind_of_crash(const std::string& output) {
  auto says = [&](const char* text) { return output.find(text) != std::string::npos; };
  if (says("use-after-free") || says("use-after-return") || says("use-after-scope")) {
    return "a use-after-free: memory was used after it was freed (in stage 3, often an "
           "awaiter or a coroutine frame touched after the coroutine finished)";
  }
  if (says("double-free")) return "a double free: the same memory was freed twice";
  if (says("LeakSanitizer")) return "a leak: memory never freed (a frame never destroyed?)";
  if (says("buffer-overflow")) return "an access out of bounds";
  if (says("runtime error:")) return "undefined behaviour (UBSan's report below)";
  return "a crash (a dangling reference, or a handler called twice?)";
}

bool all_say_not_done(const std::vector<CheckResult::Failure>& failures) {
  for (const auto& f : failures) {
    if (f.message.find("not done yet") == std::string::npos) return false;
  }
  return !failures.empty();
}

// Paths from the repository root read better than absolute ones.
void shorten_paths(std::string& text, const fs::path& source) {
  std::string prefix = source.string() + "/";
  for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix)) {
    text.erase(at, prefix.size());
  }
}

// What the last build took, kept beside the build: a learner waiting for a
// first build of minutes should know to wait, not wonder whether it hangs.
fs::path build_time_file(const Paths& paths) {
  return paths.build / "tutor-last-build-seconds";
}

}  // namespace

std::string compiler_excerpt(const std::string& output, const fs::path& source,
                             const fs::path& build) {
  // A diagnostic names a file: "x.cpp:12:5: error: ...", "x.cpp: In function ...",
  // "In file included from ...". The build tool's lines (its progress, the
  // failed command with its -Werror, "build stopped") come before and after.
  auto diagnostic = [](const std::string& line) {
    return line.starts_with("In file included from") || line.find(": error:") != npos ||
           line.find(": warning:") != npos || line.find(": In ") != npos ||
           line.find(": fatal error:") != npos;
  };
  // A compiler cache, or a build inside the repository, names files relative
  // to the build directory: "../../common/x.cpp" is "common/x.cpp".
  std::string up = fs::relative(source, build).string() + "/";
  std::vector<std::string> lines = lines_of(output);
  std::size_t first = 0;
  while (first < lines.size() && !diagnostic(lines[first])) ++first;
  if (first == lines.size()) first = 0;  // no diagnostic: the tool's own words, from the top
  std::string kept;
  int count = 0;
  for (std::size_t i = first; i < lines.size() && count < 16; ++i) {
    std::string line = lines[i];
    if (line.starts_with("ninja:") || line.starts_with("FAILED:")) continue;
    for (auto at = line.find(up); up != "./" && at != npos; at = line.find(up, at)) {
      line.erase(at, up.size());
    }
    kept += "    " + line + "\n";
    ++count;
  }
  shorten_paths(kept, source);
  return kept;
}

Status CheckResult::status() const {
  if (timed_out || exited_early || not_built) return Status::failing;
  if (compiled && !crashed && total > 0 && passed == total) return Status::done;
  if (compiled && !crashed && passed == 0 && all_say_not_done(failures)) {
    return Status::not_started;
  }
  return Status::failing;
}

CheckResult parse_gtest_json(const std::string& json) {
  CheckResult result;
  boost::json::value root = boost::json::parse(json);
  for (const auto& suite : root.at("testsuites").as_array()) {
    std::string suite_name(suite.at("name").as_string());
    for (const auto& test : suite.at("testsuite").as_array()) {
      ++result.total;
      const auto& object = test.as_object();
      auto failures = object.find("failures");
      if (failures == object.end() || failures->value().as_array().empty()) {
        ++result.passed;
        continue;
      }
      std::string message;
      for (const auto& f : failures->value().as_array()) {
        message += std::string(f.at("failure").as_string()) + "\n";
      }
      result.failures.push_back(
          {suite_name + "." + std::string(test.at("name").as_string()), message});
    }
  }
  return result;
}

CheckResult check(const Exercise& exercise, const Paths& paths, bool build, bool solution,
                  int time_limit) {
  std::string target = solution ? exercise.target + "_solution" : exercise.target;
  if (build) {
    std::string last;
    std::ifstream(build_time_file(paths)) >> last;
    std::printf("Building %s (%s)...\n", target.c_str(),
                last.empty() ? "a first build can take a few minutes"
                             : ("the last build took " + last + " s").c_str());
    std::fflush(stdout);
    auto start = std::chrono::steady_clock::now();
    std::string output;
    int status = run_command(
        "cmake --build " + shell_quote(paths.build.string()) + " --target " + target, output);
    auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
    std::ofstream(build_time_file(paths)) << seconds.count() << "\n";
    if (status != 0) {
      CheckResult result;
      result.compiled = false;
      result.build_output = compiler_excerpt(output, paths.source, paths.build);
      return result;
    }
  }
  fs::path report = fs::temp_directory_path() /
                    ("tutor-" + exercise.name + "-" + std::to_string(::getpid()) + ".json");
  std::string output;
  // A time limit: code that blocks (a sleep, a busy loop) instead of using the
  // reactor would otherwise leave the learner staring at a silent terminal.
  int exit_status = run_command("timeout --kill-after=5 " + std::to_string(time_limit) + " " +
                                    shell_quote((paths.build / "bin" / target).string()) +
                                    " --gtest_output=json:" + shell_quote(report.string()),
                                output);
  if (exit_status == 124 || exit_status == 137) {
    CheckResult result;
    result.timed_out = true;
    result.time_limit = time_limit;
    result.last_test = last_started_test(output);
    return result;
  }
  std::ifstream in(report);
  CheckResult result;
  result.exit_status = exit_status;
  result.last_test = last_started_test(output);
  if (!in && (exit_status == 126 || exit_status == 127)) {
    result.not_built = true;  // timeout could not start it: missing, or not executable
  } else if (!in && exit_status < 128 && !says_crash(output)) {
    // It ended by itself, with no signal and no report of an error, before
    // GoogleTest wrote its report: exit() or quick_exit() in the code.
    result.exited_early = true;
  } else if (!in) {
    result.crashed = true;
    result.build_output = output;  // the verdict reads it from its top
  } else {
    std::stringstream json;
    json << in.rdbuf();
    fs::remove(report);
    CheckResult parsed = parse_gtest_json(json.str());
    parsed.exit_status = result.exit_status;
    parsed.last_test = result.last_test;
    result = parsed;
  }
  // All checks passed, yet the program failed: it died after its report (a
  // crash at exit, a sanitizer's leak report). That is not done.
  if (exit_status != 0 && result.failures.empty()) {
    result.crashed = true;
    result.build_output = output;
  }
  for (auto& f : result.failures) shorten_paths(f.message, paths.source);
  shorten_paths(result.build_output, paths.source);
  return result;
}

std::string render_verdict(const Exercise& exercise, const CheckResult& result) {
  std::string out;
  std::string file = exercise.learner_file.string();
  if (!result.compiled) {
    return exercise.name + ": " + file + " does not compile yet. The compiler says:\n" +
           result.build_output;
  }
  if (result.timed_out) {
    // What is known: the time limit, and which check was running. Why is a
    // guess, so both likely causes are named.
    std::string where =
        result.last_test.empty() ? "" : " (the check running: " + result.last_test + ")";
    return exercise.name + ": the tests did not finish in " + std::to_string(result.time_limit) +
           " s" + where +
           ": it may block, or never wake. Blocking: a sleep or a busy loop holds the whole "
           "loop, and on the virtual clock no time passes meanwhile. Never waking: a timer "
           "never collected, or a handler never called, leaves the loop nothing to run.\n";
  }
  if (result.not_built) {
    return exercise.name + ": its test program " + exercise.target +
           " could not be run: is it built? `tutor check " + exercise.name +
           "` (without --no-build) builds it.\n";
  }
  if (result.exited_early) {
    std::string where =
        result.last_test.empty() ? "" : " (the check running: " + result.last_test + ")";
    return exercise.name + ": the tests exited early, with status " +
           std::to_string(result.exit_status) + where +
           ", before they could report: does the code call exit()? Return from the function "
           "instead; the tests decide when the program ends.\n";
  }
  if (result.crashed) {
    return exercise.name + ": the tests stopped at " + kind_of_crash(result.build_output) + ".\n" +
           crash_summary(result.build_output, file);
  }
  switch (result.status()) {
    case Status::done:
      return exercise.name + ": all " + std::to_string(result.total) +
             " checks pass. Done! `tutor solution " + exercise.name +
             "` shows the reference to compare with.\n";
    case Status::not_started:
      return exercise.name + ": not started. Open " + file + ", read the contract in its header, " +
             "and replace the todo(...) calls.\n";
    case Status::failing:
      break;
  }
  out = exercise.name + ": " + std::to_string(result.passed) + " of " +
        std::to_string(result.total) + " checks pass.\n";
  for (const auto& f : result.failures) {
    out += "  x " + f.test + "\n";
    std::istringstream lines(readable_durations(f.message));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) out += "      " + line + "\n";
    }
  }
  out += "Stuck? `tutor hint " + exercise.name + "`.\n";
  return out;
}

std::string crash_summary(const std::string& output, const std::string& learner_file) {
  std::vector<std::string> lines = lines_of(output);
  std::string learner_name = fs::path(learner_file).filename().string();
  std::string test;
  std::size_t error_at = lines.size();
  for (std::size_t i = 0; i < lines.size() && error_at == lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.starts_with("[ RUN      ] ")) test = line.substr(13);
    for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                               "runtime error:", "terminate called", "Segmentation fault"}) {
      if (line.find(marker) != std::string::npos) error_at = i;
    }
  }
  std::string out;
  if (!test.empty()) out += "  in the check " + test + "\n";
  if (error_at == lines.size()) {
    // No report we know: its first lines after the last check started.
    std::size_t from = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].starts_with("[ RUN      ] ")) from = i + 1;
    }
    for (std::size_t i = from; i < lines.size() && i < from + 12; ++i) {
      out += "    " + lines[i] + "\n";
    }
    return out;
  }
  std::string error = lines[error_at];
  // "==123==ERROR: AddressSanitizer: ... at pc 0x.. bp 0x.." without the process id and registers.
  if (auto at = error.find("ERROR:"); at != std::string::npos) error = error.substr(at);
  if (auto at = error.find(" at pc "); at != std::string::npos) error.erase(at);
  out += "    " + error + "\n";
  // Then the access ("READ of size 8 ...") and the first frames of its stack,
  // without their addresses; the learner's own frames are marked.
  int frames = 0;
  bool symbolized = false;
  for (std::size_t i = error_at + 1; i < lines.size() && frames < 8; ++i) {
    const std::string& line = lines[i];
    auto hash = line.find_first_not_of(' ');
    bool frame = hash != std::string::npos && line.compare(hash, 1, "#") == 0;
    if (!frame && frames > 0) break;  // the end of the first stack
    if (!frame) {
      if (line.starts_with("READ") || line.starts_with("WRITE")) out += "    " + line + "\n";
      continue;
    }
    ++frames;
    std::string text = line.substr(hash);
    if (auto in = text.find(" in "); in != std::string::npos) {
      text = text.substr(0, text.find(' ')) + text.substr(in);
      symbolized = true;
    }
    bool yours = !learner_name.empty() && text.find(learner_name + ":") != std::string::npos;
    out += std::string(yours ? "  > " : "    ") + text + "\n";
  }
  if (frames > 0) out += "  (> marks your file)\n";
  // Frames without " in function file:line" mean the sanitizer found no
  // symbolizer: say what to install rather than show bare addresses.
  if (frames > 0 && !symbolized) {
    out +=
        "  (the frames name no file or line: the sanitizer found no llvm-symbolizer;"
        " for clang-16 on Debian, install llvm-16)\n";
  }
  return out;
}

std::string readable_durations(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t digits = i;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
      ++digits;
    }
    bool starts_word = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    bool is_ns =
        digits > i && text.compare(digits, 2, "ns") == 0 &&
        (digits + 2 == text.size() || !std::isalnum(static_cast<unsigned char>(text[digits + 2])));
    if (!starts_word || !is_ns || digits - i > 18) {
      out += text[i++];
      continue;
    }
    long long ns = std::stoll(text.substr(i, digits - i));
    // The largest unit that shows the value exactly, with at most 3 decimals.
    std::string shown = std::to_string(ns) + "ns";
    for (auto [unit, name] :
         {std::pair{1'000'000'000LL, "s"}, {1'000'000LL, "ms"}, {1'000LL, "us"}}) {
      if (ns >= unit && ns % (unit / 1000) == 0) {
        std::string number = std::to_string(ns / unit);
        long long rest = ns % unit / (unit / 1000);
        if (rest != 0) {
          std::string decimals = std::to_string(1000 + rest).substr(1);
          while (decimals.back() == '0') decimals.pop_back();
          number += "." + decimals;
        }
        shown = number + name;
        break;
      }
    }
    out += shown;
    i = digits + 2;
  }
  return out;
}

}  // namespace evo::tutor
