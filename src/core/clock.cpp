// SPDX-License-Identifier: Apache-2.0
#include "core/clock.hpp"

#include <condition_variable>
#include <mutex>

namespace certkeep::core {

bool SystemClock::sleep_for(std::chrono::milliseconds duration, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  // The mutex exists only because condition_variable_any waits need one; nothing else shares it.
  // cppcheck-suppress localMutex
  std::unique_lock lock(mutex);
  // wait_for with a stop_token returns the predicate: true means "stop requested".
  return !wake.wait_for(lock, stop, duration, [] { return false; });
}

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

}  // namespace certkeep::core
