// SPDX-License-Identifier: Apache-2.0
// PortLock: an advisory lock file per HTTP-01 port, so that two certkeep processes sharing a
// state directory (two `renew` runs, or `renew` beside the daemon) take turns on the port
// instead of one failing with "Address already in use". The kernel drops the lock when its
// holder dies, so a killed process never blocks the next one.
#pragma once

#include <chrono>
#include <filesystem>

#include "certkeep/result.hpp"
#include "challenge/socket_fd.hpp"

namespace certkeep::challenge {

class PortLock {
 public:
  PortLock() noexcept = default;
  // Takes `path` (created 0600 if missing), waiting up to `max_wait` while another process
  // holds it. Errc::Busy when the wait runs out, Errc::Io when the file cannot be opened.
  static Result<PortLock> acquire(const std::filesystem::path& path, std::chrono::milliseconds max_wait);
  bool held() const noexcept { return fd_.is_open(); }
  void release() noexcept { fd_.reset(); }

 private:
  explicit PortLock(SocketFd fd) noexcept : fd_(std::move(fd)) {}
  SocketFd fd_;  // closing the descriptor releases the flock
};

}  // namespace certkeep::challenge
