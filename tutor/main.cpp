// tutor: the exercises' checker. With no arguments it lists the exercises and
// your progress; `tutor check`, `tutor hint NAME`, `tutor watch`, `tutor
// solution NAME` do the rest. It runs the same tests as the default suite, but
// on YOUR files, and says in a few lines what was expected and what happened.
#include <sys/inotify.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>

#include "check.hpp"
#include "common/reactor.hpp"

namespace evo::tutor {
namespace {

// Levenshtein's distance: the fewest letters to insert, delete or change.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

struct Tutor {
  Paths paths;
  std::vector<Exercise> exercises;
  Progress progress;
  int time_limit = time_limit_seconds;

  const Exercise* find(const std::string& name) const {
    for (const auto& e : exercises) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }

  Status status_of(const Exercise& e) const {
    auto it = progress.entries.find(e.name);
    return it == progress.entries.end() ? Status::not_started : it->second.status;
  }

  bool edited_since_check(const Exercise& e) const {
    auto it = progress.entries.find(e.name);
    // Never checked (a hint read, say): nothing to compare with.
    return it != progress.entries.end() && it->second.checked_file_time != 0 &&
           it->second.checked_file_time != modification_time(paths.source / e.learner_file);
  }

  /// The exercise whose name is closest to a mistyped one, if one is close.
  const Exercise* closest(const std::string& name) const {
    const Exercise* best = nullptr;
    std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (const auto& e : exercises) {
      std::size_t d = edit_distance(name, e.name);
      if (d < best_distance) best = &e, best_distance = d;
    }
    return best;
  }

  const Exercise* next() const {
    for (const auto& e : exercises) {
      if (status_of(e) != Status::done) return &e;
    }
    return nullptr;
  }

  Status run_check(const Exercise& e, bool build, bool solution) {
    CheckResult result = check(e, paths, build, solution, time_limit);
    std::fputs(render_verdict(e, result).c_str(), stdout);
    if (solution) return result.status();  // the reference's result is not the learner's progress
    auto& entry = progress.entries[e.name];
    entry.status = result.status();
    entry.checked_file_time = modification_time(paths.source / e.learner_file);
    progress.save(paths.progress);
    return entry.status;
  }
};

int list(const Tutor& t) {
  std::string part;
  for (const auto& e : t.exercises) {
    if (part_of(e) != part) {
      part = part_of(e);
      int done = 0, total = 0;
      for (const auto& other : t.exercises) {
        if (part_of(other) != part) continue;
        ++total;
        done += t.status_of(other) == Status::done;
      }
      std::printf("%s: %d of %d done\n", part.c_str(), done, total);
    }
    std::string status(to_string(t.status_of(e)));
    if (t.edited_since_check(e)) status += ", edited since";
    std::printf("  %-26s %-20s %s\n", ("[" + status + "]").c_str(), e.name.c_str(),
                e.title.c_str());
  }
  if (const Exercise* next = t.next()) {
    std::printf("\nNext: %s (%s). Then: tutor check %s\n", next->name.c_str(),
                next->learner_file.c_str(), next->name.c_str());
  } else {
    std::printf("\nAll done. Well done.\n");
  }
  return 0;
}

int hint(Tutor& t, const Exercise& e) {
  fs::path file = t.paths.source / e.hints_file;
  if (!fs::exists(file)) {
    std::fprintf(stderr, "tutor: error: the hints of %s are missing (%s)\n", e.name.c_str(),
                 file.c_str());
    return 66;
  }
  auto tiers = read_hints(file);
  if (tiers.empty()) {
    std::printf("%s has no hints, sorry.\n", e.name.c_str());
    return 0;
  }
  int& shown = t.progress.entries[e.name].hints_shown;
  int tier = std::clamp(shown + 1, 1, static_cast<int>(tiers.size()));
  shown = tier;
  t.progress.save(t.paths.progress);
  std::printf("Hint %d of %zu for %s:\n\n%s\n", tier, tiers.size(), e.name.c_str(),
              tiers[tier - 1].c_str());
  if (tier == static_cast<int>(tiers.size())) std::printf("\n(That was the last hint.)\n");
  return 0;
}

int solution(Tutor& t, const Exercise& e) {
  // Solved means solved now: check again rather than trust the progress file.
  CheckResult result = check(e, t.paths, true, false);
  if (result.status() != Status::done) {
    std::printf(
        "The solution of %s opens once `tutor check %s` passes. Until then: tutor hint %s\n",
        e.name.c_str(), e.name.c_str(), e.name.c_str());
    return 1;
  }
  std::ifstream in(t.paths.source / e.solution_file);
  std::cout << "Reference solution (" << e.solution_file.string() << "):\n\n" << in.rdbuf();
  return 0;
}

// Re-checks the current exercise whenever its file is saved. Editors often
// save by writing a new file and renaming it over the old one, so it watches
// the folder, not the file. It runs on this project's own reactor.
int watch(Tutor& t, const Exercise* current, int max_checks, bool build) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    std::perror("tutor: inotify_init1");
    return 1;
  }
  std::vector<std::string> folders;
  for (const auto& e : t.exercises) {
    fs::path dir = t.paths.source / e.learner_file.parent_path();
    if (std::find(folders.begin(), folders.end(), dir.string()) == folders.end()) {
      folders.push_back(dir.string());
      ::inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO);
    }
  }
  Reactor reactor;
  int checks = 0;
  auto check_current = [&] {
    ++checks;
    std::printf("\n--- checking %s ---\n", current->name.c_str());
    if (t.run_check(*current, build, false) == Status::done) {
      current = t.next();
      if (!current) {
        std::printf("All exercises done.\n");
        return false;
      }
      std::printf("Next: %s (%s)\n", current->name.c_str(), current->learner_file.c_str());
    }
    bool again = max_checks == 0 || checks < max_checks;
    if (again) {
      std::printf("Watching %s; save it to check again (Ctrl-C stops).\n",
                  current->learner_file.c_str());
    }
    std::fflush(stdout);
    return again;
  };
  std::function<void()> arm = [&] {
    reactor.watch(fd, Interest::readable, [&] {
      alignas(inotify_event) char buffer[4096];
      bool ours = false;
      for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) {
        for (char* p = buffer; p < buffer + n;) {
          auto* event = reinterpret_cast<inotify_event*>(p);
          if (event->len && current->learner_file.filename() == event->name) ours = true;
          p += sizeof(inotify_event) + event->len;
        }
      }
      if (!ours || check_current()) arm();
    });
  };
  if (check_current()) arm();
  reactor.run();
  ::close(fd);
  return 0;
}

// The command closest to a mistyped one ("chek": check), or, for an
// exercise's name given alone, the command it needs ("tutor check NAME").
std::string closest_command(const std::string& word) {
  for (const char* command : {"check", "hint", "solution", "watch", "list"}) {
    if (edit_distance(word, command) <= 2) return command;
  }
  if (word.find('_') != std::string::npos) return "`tutor check " + word + "`";
  return "";
}

// A --source-dir or --progress that cannot work is a usage error, said at
// once: not "no hints" later, nor a failure when the progress is saved.
std::string wrong_path(const Tutor& t) {
  if (!t.exercises.empty() && !fs::exists(t.paths.source / t.exercises.front().learner_file)) {
    return "--source-dir " + t.paths.source.string() + " is not the repository (it has no " +
           t.exercises.front().learner_file.string() + ")";
  }
  const fs::path& progress = t.paths.progress;
  fs::path folder = progress.has_parent_path() ? progress.parent_path() : fs::path(".");
  if (fs::is_directory(progress)) return "--progress " + progress.string() + " is a folder";
  if (!fs::is_directory(folder)) {
    return "--progress " + progress.string() + ": no folder " + folder.string();
  }
  if (::access(folder.c_str(), W_OK) != 0 ||
      (fs::exists(progress) && ::access(progress.c_str(), W_OK) != 0)) {
    return "--progress " + progress.string() + ": " + std::strerror(errno);
  }
  return "";
}

}  // namespace
}  // namespace evo::tutor

int main(int argc, char** argv) {
  using namespace evo::tutor;
  CLI::App app{"The exercises' checker: lists them, checks your files, gives hints."};
  Tutor t;
  std::string build_dir = EVO_BUILD_DIR, source_dir = EVO_SOURCE_DIR, progress_file;
  app.add_option("--build-dir", build_dir, "the CMake build directory")->capture_default_str();
  app.add_option("--source-dir", source_dir, "the repository")->capture_default_str();
  app.add_option("--progress", progress_file,
                 "progress file (default: BUILD_DIR/tutor-progress.tsv)");

  std::string name;
  bool solution_mode = false, no_build = false;
  int max_checks = 0;
  auto* check_cmd =
      app.add_subcommand("check", "build and run the tests of an exercise (default: the next one)");
  check_cmd->add_option("name", name, "the exercise");
  check_cmd->add_flag("--solution", solution_mode,
                      "check the reference solution instead (for maintainers)");
  check_cmd->add_flag("--no-build", no_build, "run what is built, without building first");
  check_cmd->add_option("--time-limit", t.time_limit, "seconds the tests may run")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  auto* hint_cmd = app.add_subcommand("hint", "show the next hint of an exercise");
  hint_cmd->add_option("name", name, "the exercise (default: the next one)");
  auto* solution_cmd =
      app.add_subcommand("solution", "show the reference solution, once yours passes");
  solution_cmd->add_option("name", name, "the exercise")->required();
  auto* watch_cmd = app.add_subcommand("watch", "re-check the current exercise on every save");
  watch_cmd->add_option("name", name, "the exercise to start with (default: the next one)");
  watch_cmd->add_option("--max-checks", max_checks, "stop after this many checks (0: never)")
      ->check(CLI::Range(0, 1000000));
  watch_cmd->add_flag("--no-build", no_build, "run what is built, without building first");
  app.add_subcommand("list", "the exercises and your progress (the default)");
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
    t.paths = {source_dir, build_dir,
               progress_file.empty() ? fs::path(build_dir) / "tutor-progress.tsv"
                                     : fs::path(progress_file)};
    t.exercises = read_catalog(t.paths.build / "exercises.tsv");
    if (std::string wrong = wrong_path(t); !wrong.empty()) {
      std::fprintf(stderr, "tutor: error: %s\n", wrong.c_str());
      return 64;
    }
    t.progress = Progress::load(t.paths.progress);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ExtrasError& e) {
    // A word tutor does not know: a mistyped command, or an exercise named
    // without its command.
    std::string word = app.remaining().empty() ? "" : app.remaining().front();
    std::string suggestion = closest_command(word);
    if (suggestion.empty()) {
      std::fprintf(stderr, "tutor: error: unknown command '%s'; `tutor --help` lists them\n",
                   word.c_str());
    } else {
      std::fprintf(stderr, "tutor: error: unknown command '%s'; did you mean %s?\n", word.c_str(),
                   suggestion.c_str());
    }
    return 64;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tutor: error: %s\n", e.what());
    return 64;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tutor: error: %s\n", e.what());
    return 66;
  }

  const Exercise* exercise = name.empty() ? t.next() : t.find(name);
  if (!name.empty() && !exercise) {
    if (const Exercise* close = t.closest(name)) {
      std::fprintf(stderr, "tutor: error: no exercise '%s'; did you mean %s?\n", name.c_str(),
                   close->name.c_str());
    } else {
      std::fprintf(stderr, "tutor: error: no exercise '%s'; `tutor` lists them\n", name.c_str());
    }
    return 64;
  }
  try {
    if (*check_cmd) {
      if (!exercise) return std::puts("All exercises are done."), 0;
      return t.run_check(*exercise, !no_build, solution_mode) == Status::done ? 0 : 1;
    }
    if (*hint_cmd) {
      if (!exercise) return std::puts("All exercises are done: no hints needed."), 0;
      return hint(t, *exercise);
    }
    if (*solution_cmd) return solution(t, *exercise);
    if (*watch_cmd) {
      if (!exercise) return std::puts("All exercises are done."), 0;
      return watch(t, exercise, max_checks, !no_build);
    }
    return list(t);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tutor: error: %s\n", e.what());
    return 70;
  }
}
