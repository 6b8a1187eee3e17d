// SPDX-License-Identifier: Apache-2.0
// PollServer: the one thread each of the standalone responders (HTTP-01, TLS-ALPN-01) and the
// metrics endpoint serves on. It polls a wake-up pipe, the listening socket and every open
// connection, and keeps the bounds all of them promise: at most `max_connections` open (more are
// accepted and closed at once, so the backlog never fills with connections nobody serves), a
// deadline per connection, a bounded number of accepts per round, and a short pause of the
// listener when accept() fails for lack of descriptors instead of spinning on it. What a ready
// connection does is its protocol's (PollProtocol).
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "certkeep/result.hpp"
#include "challenge/socket_fd.hpp"

namespace certkeep::challenge {

using PollClock = std::chrono::steady_clock;

// After the last byte out, what a client still sends is drained for at most this long before
// close(): closing with unread data makes the kernel send RST, which can destroy the answer.
inline constexpr std::chrono::milliseconds kMaxDrain{1000};

// A connection as the loop sees it; each protocol's connection derives from it.
struct PolledConnection {
  PolledConnection(SocketFd socket, PollClock::time_point until) : fd(std::move(socket)), deadline(until) {}
  virtual ~PolledConnection() = default;
  SocketFd fd;           // reset() closes the connection: the loop then forgets it
  short events = POLLIN;  // what poll() waits for next
  PollClock::time_point deadline;  // cut when reached, whatever its state
};

class PollProtocol {
 public:
  virtual ~PollProtocol() = default;
  // A connection just accepted (non-blocking), or nullptr to close it at once.
  virtual std::unique_ptr<PolledConnection> open(SocketFd client, PollClock::time_point now) = 0;
  // `connection` is ready for its `events`: one bounded step of its work.
  virtual void step(PolledConnection& connection, PollClock::time_point now) = 0;
};

class PollServer {
 public:
  // Serves `protocol` on `listener` (a listening, non-blocking socket) on a new thread; `name`
  // ("HTTP-01 responder") names it in log lines and errors. Errc::Io when the wake-up pipe or
  // the thread cannot be made.
  static Result<std::unique_ptr<PollServer>> start(std::string name, SocketFd listener,
                                                   std::size_t max_connections,
                                                   std::unique_ptr<PollProtocol> protocol);
  // Stops the thread, then closes the listening socket and every connection.
  ~PollServer();
  PollServer(const PollServer&) = delete;
  PollServer& operator=(const PollServer&) = delete;

 private:
  PollServer(std::string name, SocketFd listener, SocketFd wake_read, SocketFd wake_write,
             std::size_t max_connections, std::unique_ptr<PollProtocol> protocol);
  void run() noexcept;

  const std::string name_;
  SocketFd listener_;
  SocketFd wake_read_;
  SocketFd wake_write_;
  const std::size_t max_connections_;
  std::unique_ptr<PollProtocol> protocol_;
  std::thread thread_;
};

}  // namespace certkeep::challenge
