#pragma once
// Cancellation, one mechanism for all three stages: std::stop_token.
//
// Whoever may cancel owns a std::stop_source and hands its token down with the
// work: stages 1 and 2 pass it as the last argument, stage 3 carries it inside
// the Task. An operation that can stop early holds a CancelSlot while it is
// pending; request_stop() runs the slot's action at once, and the operation
// completes its handler exactly once, with errc::cancelled. Cancellation is a
// request: an operation that already finished ignores it, and so does one
// that cannot stop (it completes as usual, later). request_stop() is
// noexcept: a handler that throws while it runs as a cancellation ends the
// program (std::terminate), so cancellation paths must not throw.
//
// Why std::stop_token rather than a slot of our own, as Asio has? It is
// standard, a token can be shared by any number of operations, and stage 3's
// coroutines carry one anyway: one mechanism, told three ways. The README of
// each stage compares it with Asio's cancellation_slot.

#include <cassert>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <utility>
#include <vector>

#include "unique_function.hpp"

namespace evo {

/// Where a pending operation installs what a stop request does to it ("cancel
/// my timer"; an HTTP request: "close my socket"). Not movable (the
/// std::stop_callback inside keeps its address): keep it in the operation's
/// state. Single-threaded, like the reactor.
class CancelSlot {
 public:
  CancelSlot() = default;
  CancelSlot(const CancelSlot&) = delete;
  CancelSlot& operator=(const CancelSlot&) = delete;

  /// From now on a stop request on `token` runs `action`, once, inside
  /// request_stop(). Call it only on a token not stopped yet: an operation
  /// asked to start on a stopped token answers errc::cancelled from the loop
  /// instead, since it may not complete inside its initiating call.
  void arm(const std::stop_token& token, UniqueFunction<void()> action) {
    // On a stopped token the std::stop_callback below would run the action
    // now, inside the call that started the operation: a handler that runs
    // inside its initiating call breaks the contract every operation keeps.
    assert(!token.stop_requested() && "CancelSlot::arm on a stopped token");
    action_ = std::move(action);
    callback_.emplace(token, Fire{this});
  }

  /// The operation completed: a stop request from now on finds nothing to do.
  void disarm() noexcept {
    callback_.reset();
    action_ = nullptr;
  }

 private:
  struct Fire {
    CancelSlot* slot;
    // The action completes the operation, which may free it and this slot
    // with it: take the action out first, and touch nothing of the slot after.
    void operator()() const {
      UniqueFunction<void()> action = std::move(slot->action_);
      if (action) action();
    }
  };

  UniqueFunction<void()> action_;
  std::optional<std::stop_callback<Fire>> callback_;
};

/// One stop source per child of a combinator (when_all's siblings,
/// with_timeout's racer), all stopped when the parent's token is. A combinator
/// can then stop its children without stopping its own caller, and it stops
/// them in index order, so that every stage cancels in the same order and
/// makes the same trace. Not movable: keep it in the combinator's state.
class ChildStops {
 public:
  ChildStops(std::size_t n, const std::stop_token& parent) : children_(n) {
    link_.emplace(parent, Forward{this});  // last: a parent stopped already stops them now
  }
  ChildStops(const ChildStops&) = delete;
  ChildStops& operator=(const ChildStops&) = delete;

  std::stop_token token(std::size_t i) const noexcept { return children_[i].get_token(); }
  /// Stops every child, in index order; a child stopped already is skipped.
  void request_stop() {
    // A stopped child completes at once, and the last one to complete may
    // free the combinator's state, this object with it: walk a copy (a
    // stop_source is a shared handle; copying it copies no state).
    std::vector<std::stop_source> children = children_;
    for (std::stop_source& child : children) child.request_stop();
  }

 private:
  struct Forward {
    ChildStops* stops;
    void operator()() const { stops->request_stop(); }
  };

  std::vector<std::stop_source> children_;
  std::optional<std::stop_callback<Forward>> link_;
};

}  // namespace evo
