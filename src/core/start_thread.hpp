// SPDX-License-Identifier: Apache-2.0
// std::thread's constructor throws std::system_error when the system refuses a thread (EAGAIN:
// RLIMIT_NPROC, cgroup pids.max). This turns that into an Errc::Io error at the one place a
// thread starts, so the caller can degrade or stop cleanly instead of terminating.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "certkeep/result.hpp"

namespace certkeep::core {

template <typename Function>
Result<std::thread> start_thread(std::string_view what, Function&& function) {
  try {
    return std::thread(std::forward<Function>(function));
  } catch (const std::system_error& error) {
    return fail(Errc::Io, std::string(what) + ": start thread: " + error.what());
  }
}

}  // namespace certkeep::core
