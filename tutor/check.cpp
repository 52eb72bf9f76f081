#include "check.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace evo::tutor {
namespace {

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

// The compiler's own words, but only the first errors: a learner needs the
// first one, not three screens.
std::string first_errors(const std::string& output) {
  std::istringstream in(output);
  std::string kept;
  int lines = 0, after_error = 0;
  for (std::string line; std::getline(in, line) && lines < 16;) {
    if (line.find("error") != std::string::npos) after_error = 3;
    if (after_error > 0) {
      kept += "    " + line + "\n";
      --after_error;
      ++lines;
    }
  }
  return kept.empty() ? output : kept;
}

bool all_say_not_done(const std::vector<CheckResult::Failure>& failures) {
  for (const auto& f : failures) {
    if (f.message.find("not done yet") == std::string::npos) return false;
  }
  return !failures.empty();
}

}  // namespace

Status CheckResult::status() const {
  if (timed_out) return Status::failing;
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

CheckResult check(const Exercise& exercise, const Paths& paths, bool build, bool solution) {
  std::string target = solution ? exercise.target + "_solution" : exercise.target;
  if (build) {
    std::string output;
    int status = run_command(
        "cmake --build " + shell_quote(paths.build.string()) + " --target " + target, output);
    if (status != 0) {
      CheckResult result;
      result.compiled = false;
      result.build_output = first_errors(output);
      return result;
    }
  }
  fs::path report = fs::temp_directory_path() /
                    ("tutor-" + exercise.name + "-" + std::to_string(::getpid()) + ".json");
  std::string output;
  // A time limit: code that blocks (a sleep, a busy loop) instead of using the
  // reactor would otherwise leave the learner staring at a silent terminal.
  int exit_status = run_command("timeout --kill-after=5 " + std::to_string(time_limit_seconds) +
                                    " " + shell_quote((paths.build / "bin" / target).string()) +
                                    " --gtest_output=json:" + shell_quote(report.string()),
                                output);
  if (exit_status == 124 || exit_status == 137) {
    CheckResult result;
    result.timed_out = true;
    return result;
  }
  std::ifstream in(report);
  if (!in) {
    CheckResult result;
    result.crashed = true;
    result.build_output = output.substr(output.size() > 1500 ? output.size() - 1500 : 0);
    return result;
  }
  std::stringstream json;
  json << in.rdbuf();
  fs::remove(report);
  CheckResult result = parse_gtest_json(json.str());
  // All checks passed, yet the program failed: it died after its report (a
  // crash at exit, a sanitizer's leak report). That is not done.
  if (exit_status != 0 && result.failures.empty()) {
    result.crashed = true;
    result.build_output = output.substr(output.size() > 1500 ? output.size() - 1500 : 0);
  }
  // Paths from the repository root read better than absolute ones.
  std::string prefix = paths.source.string() + "/";
  for (auto& f : result.failures) {
    for (auto at = f.message.find(prefix); at != std::string::npos; at = f.message.find(prefix)) {
      f.message.erase(at, prefix.size());
    }
  }
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
    return exercise.name + ": the tests did not finish within " +
           std::to_string(time_limit_seconds) +
           " s. Does your code wait by blocking (a sleep, a loop) instead of giving the reactor "
           "a callback? On the virtual clock nothing moves while you block.\n";
  }
  if (result.crashed) {
    return exercise.name + ": the tests crashed before they could finish (a dangling " +
           "reference or a handler called twice?). Their last words:\n" + result.build_output;
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
    std::istringstream lines(f.message);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) out += "      " + line + "\n";
    }
  }
  out += "Stuck? `tutor hint " + exercise.name + "`.\n";
  return out;
}

}  // namespace evo::tutor
