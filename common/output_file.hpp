#pragma once
// Writing what the user asked for (a --trace-json file, the lines on stdout)
// so that a failure is seen: a file that cannot be written, a full disk or a
// closed stdout ends the run with exit 74 and the reason, never in silence.

#include <cstdio>
#include <string>
#include <string_view>

namespace evo {

/// Exit code for an output that could not be written (BSD's sysexits EX_IOERR).
inline constexpr int exit_io = 74;

/// A file written whole or not at all: the text goes to a temporary file
/// beside it (PATH.PID.tmp), renamed over PATH once every byte is written.
/// A full disk or a failed write leaves the old file as it was, never a
/// half-written or empty one. A device or a pipe (/dev/stdout, /dev/null, a
/// FIFO) has nothing to keep and must not be replaced: it is written in place,
/// and so is the file our own stdout goes to.
class OutputFile {
 public:
  /// Opens the temporary file at once, so that a path that cannot be written
  /// fails before the run rather than after it: error() then says why.
  explicit OutputFile(std::string path);
  /// Removes the temporary file unless commit() put it in place.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  /// strerror's reason for the last failure; empty while all is well.
  const std::string& error() const { return error_; }
  /// Writes `text` and puts the file in place; false (see error()) if that failed.
  bool commit(std::string_view text);

 private:
  bool fail(int error_number);

  std::string path_;  ///< where the text goes: the path given, symlinks followed
  std::string temp_;  ///< "" when writing in place, or once renamed
  int fd_ = -1;
  std::string error_;
};

/// Flushes `stream` and says whether everything written to it arrived:
/// strerror's reason if a write failed (a full disk, a closed descriptor),
/// empty if all is well. A failure is reported once: the error flag is cleared.
std::string flush_error(std::FILE* stream);

}  // namespace evo
