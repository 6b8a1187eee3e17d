// SPDX-License-Identifier: Apache-2.0
// CERTKEEP_TRY: unwraps a Result or returns its error from the enclosing function.
// The order flow has a dozen fallible steps in a row; this keeps each one a line.
#pragma once

#include <utility>

#include "certkeep/result.hpp"

// Usage: `auto order = CERTKEEP_TRY(client.new_order(names));` or `CERTKEEP_TRY(step());`
// (a GCC/Clang statement expression, so it works for Result<void> too).
#define CERTKEEP_TRY(...)                                                   \
  ({                                                                        \
    auto&& certkeep_try_result_ = (__VA_ARGS__);                            \
    if (!certkeep_try_result_)                                              \
      return ::tl::unexpected<::certkeep::Error>(                           \
          std::move(certkeep_try_result_).error());                         \
    std::move(certkeep_try_result_).value();                                \
  })
