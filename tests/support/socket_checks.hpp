// SPDX-License-Identifier: Apache-2.0
// What a test asks of a server's socket from the client side.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <chrono>

namespace certkeep::testing {

// True when the server closed the connection `fd` (end of stream or reset) within `limit`;
// false when it stayed open or sent data instead.
inline bool peer_closed_within(int fd, std::chrono::milliseconds limit) {
  pollfd entry{fd, POLLIN, 0};
  if (::poll(&entry, 1, static_cast<int>(limit.count())) <= 0) return false;
  char byte;
  const ssize_t received = ::recv(fd, &byte, 1, MSG_DONTWAIT);
  return received == 0 || (received < 0 && errno == ECONNRESET);
}

}  // namespace certkeep::testing
