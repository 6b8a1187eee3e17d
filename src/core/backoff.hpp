// SPDX-License-Identifier: Apache-2.0
// Backoff: growing wait intervals for polling and retries, so a fast CA is asked again within
// tens of milliseconds and a slow one is not hammered.
#pragma once

#include <chrono>
#include <optional>

namespace certkeep::core {

class Backoff {
 public:
  // Default: 50 ms first, ×1.6 each time, capped at 5 s.
  explicit Backoff(std::chrono::milliseconds initial = std::chrono::milliseconds(50),
                   std::chrono::milliseconds max = std::chrono::seconds(5), double factor = 1.6)
      : next_(initial), max_(max), factor_(factor) {}

  // The next interval. A server's Retry-After, when given, replaces it (clamped to
  // [1 s, max_retry_after]) and does not advance the schedule.
  std::chrono::milliseconds next(std::optional<std::chrono::seconds> retry_after = std::nullopt,
                                 std::chrono::seconds max_retry_after = std::chrono::seconds(60));

 private:
  std::chrono::milliseconds next_;
  std::chrono::milliseconds max_;
  double factor_;
};

}  // namespace certkeep::core
