// SPDX-License-Identifier: Apache-2.0
// When to try a failed lineage again: 1 min, 10 min, 100 min, then daily (Let's Encrypt's
// integration guide), later still when the CA asked for it with Retry-After.
#pragma once

#include <chrono>

#include "certkeep/error.hpp"
#include "core/clock.hpp"

namespace certkeep::lifecycle {

inline constexpr std::chrono::seconds kMaxRetryDelay{24 * 3600};

// `attempts` counts consecutive failures including this one (1 for the first).
std::chrono::seconds retry_delay(int attempts, const Error& error);

inline core::SystemTime next_attempt_at(core::SystemTime now, int attempts, const Error& error) {
  return now + retry_delay(attempts, error);
}

}  // namespace certkeep::lifecycle
