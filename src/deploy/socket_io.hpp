// SPDX-License-Identifier: Apache-2.0
// Blocking-looking socket I/O with a deadline: connecting to a TCP or Unix socket, sending all
// of a buffer, reading until the peer closes. Every wait is poll(2) on a non-blocking socket,
// so a peer that stalls costs at most the deadline. For the TLS probe (served_certificate) and
// HAProxy's runtime API (haproxy_runtime).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "deploy/unique_fd.hpp"

namespace certkeep::deploy {

using Deadline = std::chrono::steady_clock::time_point;

// A connected, non-blocking TCP socket to HOST (a name or a numeric address) and PORT, trying
// each address getaddrinfo gives until one connects. Errc::Network naming HOST:PORT and the
// system error; Errc::Timeout when the deadline passes first.
Result<UniqueFd> connect_tcp(const std::string& host, std::uint16_t port, Deadline deadline);

// A connected, non-blocking Unix stream socket. Errc::Io naming the path and the system error
// (no such file, permission denied, connection refused).
Result<UniqueFd> connect_unix(const std::string& path, Deadline deadline);

// Waits until `fd` is readable (POLLIN) or writable (POLLOUT). Errc::Timeout at the deadline.
Result<void> wait_ready(int fd, short events, Deadline deadline);

// Sends all of `data`. Errc::Io / Errc::Timeout.
Result<void> send_all(int fd, std::string_view data, Deadline deadline);

// Reads until the peer closes its side, at most `max_bytes`. Errc::Io / Errc::Timeout /
// Errc::Protocol when the answer is longer than max_bytes.
Result<std::string> read_until_closed(int fd, std::size_t max_bytes, Deadline deadline);

}  // namespace certkeep::deploy
