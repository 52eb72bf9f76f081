#pragma once
// A move-only std::function with a small buffer (std::move_only_function is C++23).
//
// Why not std::function? It must be copyable, so a handler that owns something
// move-only (a promise, a coroutine handle owner) cannot go in it; and the
// reactor stores one of these per posted callback, so a capture that fits the
// buffer costs no heap allocation at all.

#include <atomic>  // std::memory_order only
#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace evo {

namespace detail {
// A plain integer behind std::atomic's load/store (code that resets it uses
// them): the loop and its handlers live on one thread, and a locked add on
// every callback would cost more than the rest of posting it.
struct PlainCounter {
  std::size_t value = 0;
  std::size_t load(std::memory_order = std::memory_order_relaxed) const noexcept { return value; }
  void store(std::size_t v, std::memory_order = std::memory_order_relaxed) noexcept { value = v; }
};
inline PlainCounter live_handler_count;

// The reactor's callback (void()) is the one that captures another handler:
// a service's timer holds its caller's handler and two words more. So it gets
// room for exactly that, and every other signature keeps 48 bytes.
inline constexpr std::size_t small_inline_size = 48;
template <class Signature>
inline constexpr std::size_t inline_size_for = small_inline_size;
template <>
inline constexpr std::size_t inline_size_for<void()> = small_inline_size + 3 * sizeof(void*);
}  // namespace detail

/// How many UniqueFunction objects hold a target right now. Tests and the
/// stage binaries check it is zero after a run: a handler that is never called
/// and never destroyed shows up here as a leak. Counted on the loop's thread
/// only (handlers made on two threads at once may be miscounted).
inline std::size_t live_handlers() noexcept {
  return detail::live_handler_count.load();
}

template <class Signature>
class UniqueFunction;

template <class R, class... Args>
class UniqueFunction<R(Args...)> {
 public:
  /// Captures up to this many bytes are stored inline, without allocating:
  /// 48, or 72 for void() (see detail::inline_size_for). A handler captured
  /// whole by another handler of its own signature still goes to the heap.
  static constexpr std::size_t inline_size = detail::inline_size_for<R(Args...)>;

  UniqueFunction() noexcept = default;
  UniqueFunction(std::nullptr_t) noexcept {}

  template <class F, class D = std::decay_t<F>>
  requires(!std::is_same_v<D, UniqueFunction> && std::is_invocable_r_v<R, D&, Args...>)
      UniqueFunction(F&& f) {  // NOLINT: implicit, like std::function
    if constexpr (std::is_pointer_v<D> || std::is_member_pointer_v<D>) {
      if (f == nullptr) return;  // a null function pointer makes an empty one, as in std::function
    }
    if constexpr (fits_inline<D>) {
      ::new (static_cast<void*>(buffer_)) D(std::forward<F>(f));
      ops_ = &inline_ops<D>;
    } else {
      *reinterpret_cast<D**>(buffer_) = new D(std::forward<F>(f));
      ops_ = &heap_ops<D>;
    }
    ++detail::live_handler_count.value;
  }

  UniqueFunction(UniqueFunction&& other) noexcept { take(other); }

  UniqueFunction& operator=(UniqueFunction&& other) noexcept {
    if (!ops_) {  // nothing to destroy (a free timer slot, say): one move, straight in
      take(other);
      return *this;
    }
    // Take `other` first: it may live inside our own target (a callback that
    // replaces itself with its continuation), which reset() destroys.
    UniqueFunction taken(std::move(other));
    reset();
    take(taken);
    return *this;
  }

  UniqueFunction& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }

  ~UniqueFunction() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  R operator()(Args... args) {
    // Like std::function: calling an empty one throws. The stage code calls a
    // handler through std::exchange(handler, nullptr), which empties it, so a
    // second call of that handler lands here instead of running it twice.
    if (!ops_) throw std::bad_function_call();
    return ops_->call(buffer_, std::forward<Args>(args)...);
  }

 private:
  struct Ops {
    R (*call)(void* self, Args&&... args);
    void (*move)(void* from, void* to) noexcept;  // move-constructs into `to`, destroys `from`
    void (*destroy)(void* self) noexcept;
  };

  template <class D>
  static constexpr bool fits_inline =
      sizeof(D) <= inline_size &&
      alignof(D) <= alignof(void*) && std::is_nothrow_move_constructible_v<D>;

  template <class D>
  static constexpr Ops inline_ops{
      [](void* self, Args&&... args) -> R {
        return (*std::launder(static_cast<D*>(self)))(std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept {
        D* source = std::launder(static_cast<D*>(from));
        ::new (to) D(std::move(*source));
        source->~D();
      },
      [](void* self) noexcept { std::launder(static_cast<D*>(self))->~D(); },
  };

  template <class D>
  static constexpr Ops heap_ops{
      [](void* self, Args&&... args) -> R {
        return (**static_cast<D**>(self))(std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept { *static_cast<D**>(to) = *static_cast<D**>(from); },
      [](void* self) noexcept { delete *static_cast<D**>(self); },
  };

  // Moves other's target into us, who hold none, and leaves other empty.
  void take(UniqueFunction& other) noexcept {
    if (other.ops_) {
      other.ops_->move(other.buffer_, buffer_);
      ops_ = std::exchange(other.ops_, nullptr);
    }
  }

  void reset() noexcept {
    if (ops_) {
      // Clear first: destroying the target may run code that looks at us.
      const Ops* ops = std::exchange(ops_, nullptr);
      ops->destroy(buffer_);
      --detail::live_handler_count.value;
    }
  }

  // Aligned for pointers, not max_align_t: 8 bytes less per callback, and
  // captures that need more (a long double) simply go to the heap.
  alignas(void*) std::byte buffer_[inline_size];
  const Ops* ops_ = nullptr;
};

}  // namespace evo
