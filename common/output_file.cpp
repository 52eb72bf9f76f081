#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace evo {

namespace {

// Whether `target` is the file our stdout or stderr already writes to, as
// /dev/stdout is when the shell sent stdout to a file.
bool is_our_output(const struct stat& target) {
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat output;
    if (::fstat(fd, &output) == 0 && output.st_dev == target.st_dev &&
        output.st_ino == target.st_ino) {
      return true;
    }
  }
  return false;
}

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  struct stat target;
  bool exists = ::stat(path_.c_str(), &target) == 0;
  // Our own stdout is appended to, so that the lines printed before stay, as
  // they would on a terminal or a pipe.
  if (exists && (!S_ISREG(target.st_mode) || is_our_output(target))) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  } else if (exists && ::access(path_.c_str(), W_OK) != 0) {
    // A write-protected file says no, as it would to any other writer; a
    // rename would replace it regardless.
    fail(errno);
    return;
  } else {
    // Through a symlink, replace the file it points to, not the link.
    if (char* real = exists ? ::realpath(path_.c_str(), nullptr) : nullptr) {
      path_ = real;
      std::free(real);
    }
    // Beside the file, so that the rename stays on one file system and is atomic.
    temp_ = path_ + "." + std::to_string(::getpid()) + ".tmp";
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  }
  if (fd_ < 0) {
    temp_.clear();  // nothing was created
    fail(errno);
  }
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

bool OutputFile::fail(int error_number) {
  error_ = std::strerror(error_number);
  return false;
}

bool OutputFile::commit(std::string_view text) {
  if (fd_ < 0) return false;
  while (!text.empty()) {
    ssize_t written = ::write(fd_, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return fail(errno);
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  // Some file systems (NFS) report a failed write only when the file is closed.
  if (::close(std::exchange(fd_, -1)) != 0) return fail(errno);
  if (!temp_.empty() && ::rename(temp_.c_str(), path_.c_str()) != 0) return fail(errno);
  temp_.clear();
  return true;
}

std::string flush_error(std::FILE* stream) {
  errno = 0;
  if (std::fflush(stream) == 0 && !std::ferror(stream)) return "";
  // The error flag may come from an earlier write, whose errno is gone.
  std::string why = errno != 0 ? std::strerror(errno) : "a write failed, some output is lost";
  std::clearerr(stream);  // reported once
  return why;
}

}  // namespace evo
