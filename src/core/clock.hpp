// SPDX-License-Identifier: Apache-2.0
// Clock: the seam for time, so backoff, polling and renewal run on a fake clock in tests.
#pragma once

#include <algorithm>
#include <chrono>
#include <stop_token>

namespace certkeep::core {

using SystemTime = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;
  // Sleeps for `duration` or until `stop` is requested. Returns false when stopped early.
  virtual bool sleep_for(std::chrono::milliseconds duration, std::stop_token stop = {}) = 0;
};

class SystemClock final : public Clock {
 public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
  bool sleep_for(std::chrono::milliseconds duration, std::stop_token stop = {}) override;
};

// The process-wide real clock.
Clock& system_clock();

// Seconds since the Unix epoch, and back (the store's representation of time).
inline long long to_unix(SystemTime t) {
  return std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count();
}
// The clock counts nanoseconds, so it holds 1970..2262 here: later times (a CA's "9999-12-31",
// RFC 5280's "no expiration") saturate at its end, earlier ones at the epoch, instead of
// overflowing.
inline constexpr long long kLastUnixSecond =
    std::chrono::duration_cast<Seconds>(SystemTime::max().time_since_epoch()).count();
inline SystemTime from_unix(long long seconds) {
  return SystemTime(Seconds(std::clamp(seconds, 0LL, kLastUnixSecond)));
}

}  // namespace certkeep::core
