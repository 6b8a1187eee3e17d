// SPDX-License-Identifier: Apache-2.0
#include "challenge/listen_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace certkeep::challenge {

namespace {

Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
  auto bad = [&] {
    return fail(Errc::InvalidArgument,
                "listen address \"" + std::string(whole) + "\": port must be a number 0..65535");
  };
  if (text.empty() || text.size() > 5) return bad();
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad();
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return bad();
  return static_cast<std::uint16_t>(value);
}

// The sockaddr to bind: a tagged union of the two families.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_UNSPEC;
};

SocketAddress make_ipv4(const in_addr& address, std::uint16_t port) {
  SocketAddress result;
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(port);
  v4.sin_addr = address;
  std::memcpy(&result.storage, &v4, sizeof v4);
  result.length = sizeof v4;
  result.family = AF_INET;
  return result;
}

SocketAddress make_ipv6(const in6_addr& address, std::uint16_t port) {
  SocketAddress result;
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  v6.sin6_addr = address;
  std::memcpy(&result.storage, &v6, sizeof v6);
  result.length = sizeof v6;
  result.family = AF_INET6;
  return result;
}

Error io_error(const ListenAddress& address, std::string_view step, int error_number) {
  return Error(Errc::Io, "HTTP-01 responder: " + std::string(step) + " " + address.to_string() + ": " +
                             std::strerror(error_number));
}

Result<SocketFd> bind_to(const ListenAddress& address, const SocketAddress& target, int backlog,
                         bool dual_stack) {
  SocketFd fd(::socket(target.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(io_error(address, "socket for", errno));
  const int one = 1;
  // Lets a responder restart on the port while old connections sit in TIME_WAIT.
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    return fail(io_error(address, "SO_REUSEADDR on", errno));
  if (target.family == AF_INET6) {
    const int v6only = dual_stack ? 0 : 1;
    if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0)
      return fail(io_error(address, "IPV6_V6ONLY on", errno));
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&target.storage), target.length) != 0)
    return fail(io_error(address, "bind", errno));
  if (::listen(fd.get(), backlog) != 0) return fail(io_error(address, "listen on", errno));
  return fd;
}

}  // namespace

std::string ListenAddress::to_string() const {
  const std::string port_text = std::to_string(port);
  if (host.empty()) return ":" + port_text;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  if (text.find('\0') != std::string_view::npos)
    return fail(Errc::InvalidArgument, "listen address: contains a NUL byte");
  ListenAddress result;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail(Errc::InvalidArgument,
                  "listen address \"" + std::string(text) + "\": expected \"[IPV6]:PORT\"");
    result.host = std::string(text.substr(1, close - 1));
    in6_addr v6{};
    if (::inet_pton(AF_INET6, result.host.c_str(), &v6) != 1)
      return fail(Errc::InvalidArgument,
                  "listen address \"" + std::string(text) + "\": not a numeric IPv6 address");
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return fail(Errc::InvalidArgument, "listen address \"" + std::string(text) +
                                             "\": expected \":PORT\", \"ADDR:PORT\" or \"[V6]:PORT\"");
    result.host = std::string(text.substr(0, colon));
    in_addr v4{};
    if (!result.host.empty() && ::inet_pton(AF_INET, result.host.c_str(), &v4) != 1)
      return fail(Errc::InvalidArgument,
                  "listen address \"" + std::string(text) + "\": not a numeric IPv4 address");
    port_text = text.substr(colon + 1);
  }
  auto port = parse_port(port_text, text);
  if (!port) return fail(std::move(port).error());
  result.port = *port;
  return result;
}

Result<SocketFd> bind_listener(const ListenAddress& address, int backlog) {
  if (address.host.empty()) {
    // "All interfaces" is dual-stack "::"; only a kernel without IPv6 falls back to IPv4.
    const bool has_ipv6 =
        SocketFd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)).is_open() || errno != EAFNOSUPPORT;
    if (has_ipv6) return bind_to(address, make_ipv6(in6addr_any, address.port), backlog, true);
    in_addr any{};
    any.s_addr = htonl(INADDR_ANY);
    return bind_to(address, make_ipv4(any, address.port), backlog, false);
  }
  if (address.host.find(':') != std::string::npos) {
    in6_addr v6{};
    if (::inet_pton(AF_INET6, address.host.c_str(), &v6) != 1)
      return fail(Errc::InvalidArgument, "not a numeric IPv6 address: " + address.host);
    return bind_to(address, make_ipv6(v6, address.port), backlog, false);
  }
  in_addr v4{};
  if (::inet_pton(AF_INET, address.host.c_str(), &v4) != 1)
    return fail(Errc::InvalidArgument, "not a numeric IPv4 address: " + address.host);
  return bind_to(address, make_ipv4(v4, address.port), backlog, false);
}

std::uint16_t local_port(int fd) noexcept {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
  if (storage.ss_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, &storage, sizeof v4);
    return ntohs(v4.sin_port);
  }
  if (storage.ss_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, &storage, sizeof v6);
    return ntohs(v6.sin6_port);
  }
  return 0;
}

}  // namespace certkeep::challenge
