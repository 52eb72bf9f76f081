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
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace evo {

class Labels {
 public:
  using Id = std::uint32_t;

  Labels() { intern("main"); }  // id 0: code that runs outside any callback
  // Not copyable: the map's keys view the names held here.
  Labels(const Labels&) = delete;
  Labels& operator=(const Labels&) = delete;

  /// The live label named `name`, or a fresh one (with nothing pending yet).
  Id intern(std::string_view name) {
    if (free_.empty()) {  // no id to reuse: make one
      free_.push_back(static_cast<Id>(slots_.size()));
      slots_.emplace_back();
    }
    // The name goes into the free slot first, as the map's key views it;
    // then one lookup either finds the live label or adds this one.
    Slot& slot = slots_[free_.back()];
    slot.name.assign(name);
    auto [it, fresh] = ids_.try_emplace(slot.name, free_.back());
    if (fresh) free_.pop_back();
    return it->second;
  }

  /// Valid until the label is forgotten: for the label of a running callback,
  /// at least until that callback has returned and been destroyed.
  std::string_view name(Id id) const noexcept { return slots_[id].name; }
  void acquire(Id id) noexcept { ++slots_[id].pending; }
  /// Drops one hold; true if it was the last. The loop then reports "done"
  /// (the event still names the label) and only then calls forget().
  bool release(Id id) noexcept { return --slots_[id].pending == 0; }
  /// Forgets an idle label. "main" stays, and so does a label that has work
  /// again (whoever watched its "done" spawned its name anew): it is
  /// forgotten at its next "done".
  void forget(Id id) {
    if (id == 0 || slots_[id].pending != 0) return;
    ids_.erase(slots_[id].name);
    free_.push_back(id);  // the slot keeps its string's buffer for the next name
  }
  /// Labels alive: "main" and every task that still has work.
  std::size_t live() const noexcept { return ids_.size(); }

 private:
  struct Slot {
    std::string name;
    std::size_t pending = 0;
  };

  // A deque: its elements never move, so the keys of ids_ (views of the
  // names) and the views current_label() hands out stay valid as it grows.
  std::deque<Slot> slots_;                        // indexed by Id
  std::unordered_map<std::string_view, Id> ids_;  // live names -> ids
  std::vector<Id> free_;                          // ids of forgotten labels
};

}  // namespace evo
