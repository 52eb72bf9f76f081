#pragma once
// The task names a loop traces under (reactor.hpp's "Labels"), shared by the
// hand reactor and the Asio engine. spawn("user 7") turns the name into a
// small id that every callback of that task carries, and counts what the task
// still has: ready, armed, watched or running.
//
// A label lives while its task has work, and no longer: when the count drops
// to zero the loop reports "done" and forgets the label, so its id and its
// name are free again. A loop that spawns one task per request keeps as many
// labels as tasks are alive, not one for every task it ever ran. Spawning a
// name whose task still has work joins that task (the same label); spawning
// it after "done" starts a fresh one. Label 0, "main", is never forgotten.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace evo {

class Labels {
 public:
  using Id = std::uint32_t;

  Labels() { intern("main"); }  // id 0: code that runs outside any callback

  /// The live label named `name`, or a fresh one (with nothing pending yet).
  Id intern(std::string_view name) {
    // A transparent hash: looking a name up builds no std::string.
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    if (free_.empty()) {  // no id to reuse: make one
      free_.push_back(static_cast<Id>(slots_.size()));
      slots_.emplace_back();
    }
    Id id = free_.back();
    slots_[id] = {ids_.emplace(std::string(name), id).first->first, 0};
    free_.pop_back();
    return id;
  }

  /// Valid until the label is forgotten: for the label of a running callback,
  /// at least until that callback has returned and been destroyed.
  std::string_view name(Id id) const noexcept { return slots_[id].name; }
  void acquire(Id id) noexcept { ++slots_[id].pending; }
  /// Drops one hold; true if it was the last. The loop then reports "done"
  /// (the event still names the label) and only then calls forget().
  bool release(Id id) noexcept { return --slots_[id].pending == 0; }
  void forget(Id id) {
    if (id == 0) return;  // "main" stays
    ids_.erase(ids_.find(slots_[id].name));
    slots_[id].name = {};
    free_.push_back(id);
  }
  /// Labels alive: "main" and every task that still has work.
  std::size_t live() const noexcept { return ids_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Slot {
    std::string_view name;  // a key of ids_: a node's key never moves, even on rehash
    std::size_t pending = 0;
  };

  std::unordered_map<std::string, Id, Hash, std::equal_to<>> ids_;  // live names -> ids
  std::vector<Slot> slots_;                                         // indexed by Id
  std::vector<Id> free_;                                            // ids of forgotten labels
};

}  // namespace evo
