// SPDX-License-Identifier: Apache-2.0
// FakeClock: time that only moves when a test (or a sleep) moves it, so polling, backoff and
// renewal schedules run in microseconds and can be asserted exactly.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include "core/clock.hpp"

namespace certkeep::testing {

// The tests' "now" when it only has to be fixed (2027-01-15T08:00:00Z).
inline const core::SystemTime kTestNow = core::from_unix(1'800'000'000);

class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(core::SystemTime start = kTestNow) : now_(start) {}
  core::SystemTime now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  bool sleep_for(std::chrono::milliseconds duration, std::stop_token stop = {}) override {
    std::lock_guard lock(mutex_);
    sleeps_.push_back(duration);
    now_ += duration;
    return !stop.stop_requested();
  }
  void advance(std::chrono::seconds by) {
    std::lock_guard lock(mutex_);
    now_ += by;
  }
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard lock(mutex_);
    return sleeps_;
  }

 private:
  mutable std::mutex mutex_;
  core::SystemTime now_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace certkeep::testing
