// SPDX-License-Identifier: Apache-2.0
// Clock: the seam for time, so backoff, polling and renewal run on a fake clock in tests.
#pragma once

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
inline SystemTime from_unix(long long seconds) { return SystemTime(Seconds(seconds)); }

}  // namespace certkeep::core
