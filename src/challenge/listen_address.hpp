// SPDX-License-Identifier: Apache-2.0
// Listen addresses for the standalone responder: parsing "ADDR:PORT", "[v6]:PORT" and ":PORT",
// and binding a listening socket to one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "challenge/socket_fd.hpp"

namespace certkeep::challenge {

struct ListenAddress {
  std::string host;        // numeric IPv4 or IPv6 (without brackets); empty = all interfaces
  std::uint16_t port = 0;  // 0 = any free port

  // "ADDR:PORT" / "[v6]:PORT" / ":PORT", as the user wrote it.
  std::string to_string() const;
};

// Errc::InvalidArgument unless `text` is ":PORT", "IPV4:PORT" or "[IPV6]:PORT" with a numeric
// address and a decimal port 0..65535. Host names are refused: a listener binds to addresses.
Result<ListenAddress> parse_listen_address(std::string_view text);

// A non-blocking, close-on-exec listening TCP socket with SO_REUSEADDR. "All interfaces" is
// the dual-stack "::" where IPv6 exists, else 0.0.0.0. Errc::Io naming the address and
// strerror(errno) when it cannot bind or listen.
Result<SocketFd> bind_listener(const ListenAddress& address, int backlog);

// The local port of a bound socket, 0 when it cannot be read.
std::uint16_t local_port(int fd) noexcept;

}  // namespace certkeep::challenge
