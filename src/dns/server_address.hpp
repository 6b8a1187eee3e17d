// SPDX-License-Identifier: Apache-2.0
// A DNS server as the user names it ("ns1.example.com", "192.0.2.53:5353", "[2001:db8::53]"),
// resolved to socket addresses when used.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"

namespace certkeep::dns {

inline constexpr std::uint16_t kDnsPort = 53;

struct ServerAddress {
  std::string host;  // a numeric address (IPv6 without brackets) or a host name
  std::uint16_t port = kDnsPort;
  // "host:port", "[v6]:port", for messages.
  std::string to_string() const;
};

// "HOST", "HOST:PORT", "IPV6", "[IPV6]" or "[IPV6]:PORT". Errc::InvalidArgument for an empty
// host, a bad port or stray characters; `option` names the flag in the message.
Result<ServerAddress> parse_server_address(std::string_view text, std::string_view option);

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const noexcept { return storage.ss_family; }
};

// The addresses of `server` (getaddrinfo; numeric addresses need no lookup). Errc::Network
// naming the host when it does not resolve.
Result<std::vector<SocketAddress>> resolve(const ServerAddress& server);

// A numeric address as text ("127.0.0.2", "2001:db8::1").
std::string numeric_host(const SocketAddress& address);

// The first `nameserver` of a resolv.conf (the system's resolver), on port 53.
// Errc::InvalidArgument naming the file when it cannot be read or names none.
Result<ServerAddress> system_resolver(const std::string& resolv_conf = "/etc/resolv.conf");

}  // namespace certkeep::dns
