#pragma once
// Small helpers the stage-3 exercise tests share: what a task's exception
// says, for a readable failure message, and which error_code it carries.

#include <exception>
#include <string>
#include <system_error>

namespace evo::exercises {

inline std::string describe(std::exception_ptr error) {
  if (!error) return "no error";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

/// The error_code of a std::system_error, or an empty one for any other outcome.
inline std::error_code code_of(std::exception_ptr error) {
  try {
    if (error) std::rethrow_exception(error);
  } catch (const std::system_error& e) {
    return e.code();
  } catch (...) {
  }
  return {};
}

}  // namespace evo::exercises
