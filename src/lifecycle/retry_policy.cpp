// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/retry_policy.hpp"

#include <algorithm>

namespace certkeep::lifecycle {

std::chrono::seconds retry_delay(int attempts, const Error& error) {
  std::chrono::seconds delay{60};
  for (int i = 1; i < attempts && delay < kMaxRetryDelay; ++i) delay *= 10;
  delay = std::min(delay, kMaxRetryDelay);
  if (auto asked = error.retry_after()) delay = std::max(delay, std::min(*asked, kMaxRetryDelay));
  return delay;
}

}  // namespace certkeep::lifecycle
