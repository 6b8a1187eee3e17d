// SPDX-License-Identifier: Apache-2.0
// CERTKEEP_TRY: unwraps a Result or returns its error from the enclosing function.
// The order flow has a dozen fallible steps in a row; this keeps each one a line.
#pragma once

#include <utility>

#include "certkeep/result.hpp"

namespace certkeep::core::detail {

template <class T>
T take_value(Result<T>&& result) {
  return std::move(*result);
}
inline void take_value(Result<void>&&) {}

}  // namespace certkeep::core::detail

// Usage: `auto order = CERTKEEP_TRY(new_order(client, request));` or `CERTKEEP_TRY(step());`
// A GCC/Clang statement expression, so it also works for Result<void> and nests.
#define CERTKEEP_TRY(...) CERTKEEP_TRY_IMPL_(CERTKEEP_TRY_NAME_(certkeep_try_, __COUNTER__), __VA_ARGS__)

#define CERTKEEP_TRY_NAME_(a, b) CERTKEEP_TRY_NAME2_(a, b)
#define CERTKEEP_TRY_NAME2_(a, b) a##b
#define CERTKEEP_TRY_IMPL_(name, ...)                                               \
  ({                                                                                \
    auto name = (__VA_ARGS__);                                                      \
    if (!name) return ::tl::unexpected<::certkeep::Error>(std::move(name).error()); \
    ::certkeep::core::detail::take_value(std::move(name));                          \
  })
