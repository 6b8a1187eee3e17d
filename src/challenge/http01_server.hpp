// SPDX-License-Identifier: Apache-2.0
// The HTTP side of the standalone responder (and of the metrics endpoint): on a PollServer,
// reads one request head per connection, answers it and closes. Bounded: at most
// `max_connections` open connections, `max_request_bytes` buffered per connection, and a
// deadline per connection.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "challenge/poll_server.hpp"
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

// Serves HTTP-01 answers on `listener` (a listening, non-blocking socket) on a new thread, named
// `name` in its log lines. Errc::Io when the wake-up pipe or the thread cannot be created.
Result<std::unique_ptr<PollServer>> serve_http01(SocketFd listener, const ServerLimits& limits,
                                                 TargetLookup lookup, std::string name = "HTTP-01 responder");

}  // namespace certkeep::challenge
