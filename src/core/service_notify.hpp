// SPDX-License-Identifier: Apache-2.0
// The service manager's notify protocol (sd_notify(3), NOTES), written here so the CLI does not
// link libsystemd and its compression and crypto libraries: one datagram of newline-separated
// assignments ("READY=1\nSTATUS=...") to the AF_UNIX socket named by $NOTIFY_SOCKET.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "certkeep/result.hpp"

namespace certkeep::core {

// Sends `state` as one datagram to $NOTIFY_SOCKET: an absolute path, or a Linux abstract socket
// when it starts with '@'. The environment is left as it is (children inherit it, as before).
// Returns false when $NOTIFY_SOCKET is unset or empty (not run by a service manager), true
// when the datagram was queued. Errors: InvalidArgument for a value that is neither an absolute
// path nor "@name", or too long for sockaddr_un; Io when the socket cannot be created or the
// send fails, including EAGAIN when the manager's queue is full (it never blocks).
// Thread-safe: each call uses its own socket.
Result<bool> notify_service_manager(std::string_view state);

// The watchdog timeout the manager expects keep-alives within ("WATCHDOG=1"; send at half of
// it): $WATCHDOG_USEC, when $WATCHDOG_PID is unset or names this process. nullopt when the
// watchdog is off or either value is malformed, zero or infinite (UINT64_MAX).
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace certkeep::core
