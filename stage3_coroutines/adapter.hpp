#pragma once
#include <exception>
#include <string>
#include <system_error>
#include <utility>

#include "common/scenario.hpp"
#include "common/services.hpp"
#include "task.hpp"

namespace evo::stage3 {

/// Stage 3's workflow as the runner and the typed tests drive it.
const StageApi& stage_api();

/// start() runs a task to its end and reports (exception, value); the caller
/// wants stage 1's (error_code, value). A std::system_error becomes its code;
/// any other exception is a bug in the workflow: rethrown, it leaves
/// Reactor::run(), as a throwing stage-1 handler's exception would.
/// A failure also leaves its async backtrace in `chain`, taken at once: the
/// record follows the latest failure only (see async_backtrace). Each
/// adapter keeps its own `chain` for its error_details (chain_details).
template <class T>
auto to_handler(Handler<T> handler, std::string& chain) {
  return [handler = std::move(handler), &chain](std::exception_ptr error, T value) mutable {
    if (!error) return handler({}, std::move(value));
    std::error_code ec;
    chain = async_backtrace(error);
    try {
      std::rethrow_exception(error);
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    handler(ec, T{});
  };
}

/// What the binaries print under a failure: the coroutines in `chain`, or
/// nothing if no coroutine was in the way.
std::string chain_details(const std::string& chain);

}  // namespace evo::stage3
