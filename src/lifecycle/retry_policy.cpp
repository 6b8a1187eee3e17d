// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/retry_policy.hpp"

#include <algorithm>

namespace certkeep::lifecycle {

std::chrono::seconds retry_delay(int attempts, const Error& error) {
  // 1 min, 10 min, 100 min, then daily: a few quick retries for a blip, then once a day, which
  // still leaves weeks of retries before a 90-day certificate's last third runs out.
  std::chrono::seconds delay = kMaxRetryDelay;
  if (attempts <= 1)
    delay = std::chrono::seconds(60);
  else if (attempts == 2)
    delay = std::chrono::seconds(600);
  else if (attempts == 3)
    delay = std::chrono::seconds(6000);
  if (auto asked = error.retry_after()) delay = std::max(delay, std::min(*asked, kMaxRetryDelay));
  return delay;
}

}  // namespace certkeep::lifecycle
