// SPDX-License-Identifier: Apache-2.0
// SocketFd: owns one file descriptor (socket or pipe end) and closes it exactly once.
#pragma once

#include <unistd.h>

#include <utility>

namespace certkeep::challenge {

class SocketFd {
 public:
  SocketFd() noexcept = default;
  explicit SocketFd(int fd) noexcept : fd_(fd) {}
  SocketFd(SocketFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  SocketFd& operator=(SocketFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;
  ~SocketFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return is_open(); }

  // Closes the current descriptor (if any) and takes `fd`. close() errors are ignored: on
  // Linux the descriptor is gone either way, and retrying could close someone else's.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

}  // namespace certkeep::challenge
