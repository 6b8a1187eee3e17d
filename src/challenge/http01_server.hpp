// SPDX-License-Identifier: Apache-2.0
// Http01Server: the socket side of the standalone responder. One thread polls the listening
// socket and every open connection, reads one request head per connection, answers it and
// closes. Bounded: at most `max_connections` open connections, `max_request_bytes` buffered
// per connection, and a deadline per connection.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "certkeep/result.hpp"
#include "challenge/socket_fd.hpp"

namespace certkeep::challenge {

struct ServerLimits {
  std::size_t max_connections = 64;
  std::size_t max_request_bytes = 8 * 1024;
  // From accept to a complete request head; again from there to the last byte written.
  std::chrono::milliseconds read_timeout{10'000};
  // Of a 200 answer. The metrics endpoint reuses this server with Prometheus' type.
  std::string content_type = "text/plain";
};

// The body for a GET/HEAD of `raw_target`, nullopt for 404. Called on the server thread;
// must be thread-safe and must not block.
using TargetLookup = std::function<std::optional<std::string>(std::string_view raw_target)>;

class Http01Server {
 public:
  // Starts serving on `listener` (a listening, non-blocking socket) on a new thread.
  // Errc::Io when the wake-up pipe or the thread cannot be created.
  static Result<std::unique_ptr<Http01Server>> start(SocketFd listener, const ServerLimits& limits,
                                                     TargetLookup lookup);
  // Stops the thread, then closes the listening socket and every connection.
  ~Http01Server();
  Http01Server(const Http01Server&) = delete;
  Http01Server& operator=(const Http01Server&) = delete;

 private:
  Http01Server(SocketFd listener, SocketFd wake_read, SocketFd wake_write, const ServerLimits& limits,
               TargetLookup lookup);
  void run() noexcept;

  SocketFd listener_;
  SocketFd wake_read_;
  SocketFd wake_write_;
  ServerLimits limits_;
  TargetLookup lookup_;
  std::thread thread_;
};

}  // namespace certkeep::challenge
