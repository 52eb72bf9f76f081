#pragma once
// Runs one of the built binaries as a user would, from a shell, with stdout
// and stderr captured apart, and the exit status as the shell reports it.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace evo::testing {

struct Result {
  int exit_code = -1;  ///< -1: killed by a signal
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// A word the shell passes through untouched, whatever it holds.
inline std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

/// Runs a shell command with stdin empty, stdout and stderr captured apart.
inline Result run_shell(const std::string& command) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("evo-run-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  int status = std::system(
      (command + " >" + (dir / "out").string() + " 2>" + (dir / "err").string() + " </dev/null")
          .c_str());
  Result r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
  fs::remove_all(dir);
  return r;
}

/// Runs bin_dir/<binary> <args> (args already shell words).
inline Result run_binary(const std::string& bin_dir, const std::string& binary,
                         const std::string& args) {
  return run_shell(bin_dir + "/" + binary + " " + args);
}

}  // namespace evo::testing
