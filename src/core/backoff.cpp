// SPDX-License-Identifier: Apache-2.0
#include "core/backoff.hpp"

#include <algorithm>

namespace certkeep::core {

std::chrono::milliseconds Backoff::next(std::optional<std::chrono::seconds> retry_after,
                                        std::chrono::seconds max_retry_after) {
  if (retry_after) {
    // Honour the server, within sane bounds (clamp what the CA controls: docs/reliability.md B).
    return std::clamp<std::chrono::milliseconds>(*retry_after, std::chrono::seconds(1), max_retry_after);
  }
  std::chrono::milliseconds current = next_;
  auto grown =
      std::chrono::milliseconds(static_cast<long long>(static_cast<double>(next_.count()) * factor_));
  next_ = std::min(std::max(grown, next_ + std::chrono::milliseconds(1)), max_);
  return current;
}

}  // namespace certkeep::core
