// SPDX-License-Identifier: Apache-2.0
// IP address identifiers (RFC 8738): recognising a literal address among certificate names,
// its one canonical text form, and the reverse-DNS name TLS-ALPN-01 puts in the SNI.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace certkeep::core {

enum class IpFamily { V4, V6 };

struct IpAddress {
  IpFamily family = IpFamily::V4;
  std::string text;  // canonical: dotted quad for IPv4, RFC 5952 for IPv6 (lowercase, "::")
};

// The address `text` spells, or nullopt when it is not a literal IPv4 or IPv6 address (a DNS
// name, brackets, a zone index "%eth0", a prefix "/24", an IPv4 address with leading zeros).
// "2001:DB8:0:0::1" and "2001:db8::1" give the same canonical text.
std::optional<IpAddress> parse_ip_address(std::string_view text);

// True when `text` is a literal IP address (parse_ip_address has a value).
bool is_ip_address(std::string_view text);

// RFC 8738 §6: the name TLS-ALPN-01 validation sends as SNI for an IP identifier, e.g.
// "1.2.0.192.in-addr.arpa" for 192.0.2.1 and the 32 nibbles of ".ip6.arpa" for IPv6. Empty
// when `text` is not an IP address.
std::string reverse_dns_name(std::string_view text);

}  // namespace certkeep::core
