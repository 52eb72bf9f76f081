#pragma once
// A non-blocking pipe for the reactor tests, closed on scope exit: the
// cheapest fd that can be made readable on demand.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace evo::testing {

class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw std::system_error(errno, std::system_category(), "pipe2");
    }
    read_end_ = fds[0];
    write_end_ = fds[1];
  }
  ~Pipe() {
    ::close(read_end_);
    ::close(write_end_);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_end() const { return read_end_; }
  void write_byte() const {
    char c = 'x';
    ASSERT_EQ(::write(write_end_, &c, 1), 1);
  }
  /// True if a byte was there to read.
  bool read_byte() const {
    char c;
    return ::read(read_end_, &c, 1) == 1;
  }

 private:
  int read_end_ = -1;
  int write_end_ = -1;
};

}  // namespace evo::testing
