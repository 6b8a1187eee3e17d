// SPDX-License-Identifier: Apache-2.0
#include "core/ip_address.hpp"

#include <arpa/inet.h>

#include <array>

namespace certkeep::core {

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  // inet_pton needs a terminated string; an address is at most 45 characters.
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string terminated(text);
  std::array<unsigned char, 16> octets{};
  std::array<char, INET6_ADDRSTRLEN> canonical{};
  // glibc's inet_pton(AF_INET) takes only the strict dotted quad (no octal, no short forms).
  if (::inet_pton(AF_INET, terminated.c_str(), octets.data()) == 1) {
    if (::inet_ntop(AF_INET, octets.data(), canonical.data(), canonical.size()) == nullptr)
      return std::nullopt;
    // "01.2.3.4" would read as octal to some parsers: only the canonical spelling is an address.
    if (terminated != canonical.data()) return std::nullopt;
    return IpAddress{IpFamily::V4, canonical.data()};
  }
  if (::inet_pton(AF_INET6, terminated.c_str(), octets.data()) == 1) {
    if (::inet_ntop(AF_INET6, octets.data(), canonical.data(), canonical.size()) == nullptr)
      return std::nullopt;
    return IpAddress{IpFamily::V6, canonical.data()};
  }
  return std::nullopt;
}

bool is_ip_address(std::string_view text) { return parse_ip_address(text).has_value(); }

std::string reverse_dns_name(std::string_view text) {
  const auto address = parse_ip_address(text);
  if (!address) return {};
  std::array<unsigned char, 16> octets{};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name;
  if (address->family == IpFamily::V4) {
    (void)::inet_pton(AF_INET, address->text.c_str(), octets.data());
    for (int i = 3; i >= 0; --i) name += std::to_string(octets[static_cast<std::size_t>(i)]) + ".";
    return name + "in-addr.arpa";
  }
  (void)::inet_pton(AF_INET6, address->text.c_str(), octets.data());
  for (int i = 15; i >= 0; --i) {
    const unsigned char byte = octets[static_cast<std::size_t>(i)];
    name += kHex[byte & 0x0f];
    name += '.';
    name += kHex[byte >> 4];
    name += '.';
  }
  return name + "ip6.arpa";
}

}  // namespace certkeep::core
