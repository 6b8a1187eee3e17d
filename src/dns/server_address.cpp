// SPDX-License-Identifier: Apache-2.0
#include "dns/server_address.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>

#include "core/small_file.hpp"
#include "core/strings.hpp"

namespace certkeep::dns {

namespace {

bool is_host_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == ':' || c == '%';
}

}  // namespace

std::string ServerAddress::to_string() const {
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return shown + ":" + std::to_string(port);
}

Result<ServerAddress> parse_server_address(std::string_view text, std::string_view option) {
  const std::string prefix = std::string(option) + " " + core::sanitize_for_terminal(text, 80) + ": ";
  ServerAddress address;
  std::string_view port_text;
  if (text.starts_with("[")) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return fail(Errc::InvalidArgument, prefix + "missing ']'");
    address.host = std::string(text.substr(1, close - 1));
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail(Errc::InvalidArgument, prefix + "expected :PORT after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) return fail(Errc::InvalidArgument, prefix + "empty port");
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const std::size_t colon = text.find(':');
    address.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (port_text.empty()) return fail(Errc::InvalidArgument, prefix + "empty port");
  } else {
    address.host = std::string(text);  // a name, an IPv4 address or a bare IPv6 address
  }
  if (address.host.empty()) return fail(Errc::InvalidArgument, prefix + "no host");
  for (char c : address.host)
    if (!is_host_character(c)) return fail(Errc::InvalidArgument, prefix + "not a host name or address");
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (error != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535)
      return fail(Errc::InvalidArgument, prefix + "the port must be 1-65535");
    address.port = static_cast<std::uint16_t>(value);
  }
  return address;
}

Result<std::vector<SocketAddress>> resolve(const ServerAddress& server) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(server.port);
  const int status = ::getaddrinfo(server.host.c_str(), port.c_str(), &hints, &found);
  if (status != 0)
    return fail(Errc::Network, "DNS server " + server.to_string() + ": " + ::gai_strerror(status));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
  std::vector<SocketAddress> addresses;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_addrlen > sizeof(sockaddr_storage)) continue;
    SocketAddress address;
    std::memcpy(&address.storage, entry->ai_addr, entry->ai_addrlen);
    address.length = entry->ai_addrlen;
    addresses.push_back(address);
  }
  if (addresses.empty()) return fail(Errc::Network, "DNS server " + server.to_string() + ": no address");
  return addresses;
}

Result<ServerAddress> system_resolver(const std::string& resolv_conf) {
  auto text = core::read_small_file(resolv_conf);
  if (!text) return fail(std::move(text).error().with_context(resolv_conf));
  for (const std::string& line : core::split(*text, '\n')) {
    const std::string_view trimmed = core::trim(line);
    if (!trimmed.starts_with("nameserver")) continue;
    const std::string_view host = core::trim(trimmed.substr(std::string_view("nameserver").size()));
    if (host.empty()) continue;
    ServerAddress address;
    address.host = std::string(host.substr(0, host.find_first_of(" \t%")));
    return address;
  }
  return fail(Errc::InvalidArgument, resolv_conf + " names no nameserver: give --dns-resolver ADDR");
}

std::string numeric_host(const SocketAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.family() == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
  } else {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address.storage);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
  }
  return text;
}

}  // namespace certkeep::dns
