#pragma once
// What a Future<T> or Task<T> keeps inside: T itself, or an empty placeholder
// for T = void, so the machinery of stages 2 and 3 has one shape for both.

#include <type_traits>
#include <variant>

namespace evo {

template <class T>
using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

}  // namespace evo
