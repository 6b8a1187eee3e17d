// SPDX-License-Identifier: Apache-2.0
#include "deploy/socket_io.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace certkeep::deploy {

namespace {

int milliseconds_left(Deadline deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
}

// Finishes a non-blocking connect: waits for writability, then reads SO_ERROR.
int finish_connect(int fd, Deadline deadline, bool& timed_out) {
  timed_out = false;
  if (!wait_ready(fd, POLLOUT, deadline)) {
    timed_out = true;
    return ETIMEDOUT;
  }
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
  return error;
}

}  // namespace

Result<void> wait_ready(int fd, short events, Deadline deadline) {
  for (;;) {
    pollfd descriptor{fd, events, 0};
    const int ready = ::poll(&descriptor, 1, milliseconds_left(deadline));
    if (ready > 0) return {};
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return fail(Errc::Io, std::string("poll: ") + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= deadline) return fail(Errc::Timeout, "timed out");
  }
}

Result<UniqueFd> connect_tcp(const std::string& host, std::uint16_t port, Deadline deadline) {
  const std::string where =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int resolved = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (resolved != 0) return fail(Errc::Network, where + ": " + ::gai_strerror(resolved));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  std::string last_error = "no address";
  for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
    UniqueFd fd(::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         address->ai_protocol));
    if (!fd) {
      last_error = std::strerror(errno);
      continue;
    }
    if (::connect(fd.get(), address->ai_addr, address->ai_addrlen) == 0) return fd;
    if (errno != EINPROGRESS) {
      last_error = std::strerror(errno);
      continue;
    }
    bool timed_out = false;
    const int error = finish_connect(fd.get(), deadline, timed_out);
    if (timed_out) return fail(Errc::Timeout, where + ": connect timed out");
    if (error == 0) return fd;
    last_error = std::strerror(error);
  }
  return fail(Errc::Network, where + ": " + last_error);
}

Result<UniqueFd> connect_unix(const std::string& path, Deadline deadline) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path)
    return fail(Errc::InvalidArgument, "socket " + path + ": not a usable Unix socket path");
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(Errc::Io, "socket " + path + ": " + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return fd;
  if (errno != EINPROGRESS && errno != EAGAIN)
    return fail(Errc::Io, "socket " + path + ": " + std::strerror(errno));
  bool timed_out = false;
  const int error = finish_connect(fd.get(), deadline, timed_out);
  if (timed_out) return fail(Errc::Timeout, "socket " + path + ": connect timed out");
  if (error != 0) return fail(Errc::Io, "socket " + path + ": " + std::strerror(error));
  return fd;
}

Result<void> send_all(int fd, std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (auto ready = wait_ready(fd, POLLOUT, deadline); !ready) return ready;
      continue;
    }
    return fail(Errc::Io, std::string("send: ") + std::strerror(errno));
  }
  return {};
}

Result<std::string> read_until_closed(int fd, std::size_t max_bytes, Deadline deadline) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got == 0) return out;
    if (got > 0) {
      out.append(buffer, static_cast<std::size_t>(got));
      if (out.size() > max_bytes)
        return fail(Errc::Protocol, "answer longer than " + std::to_string(max_bytes) + " bytes");
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (auto ready = wait_ready(fd, POLLIN, deadline); !ready) return tl::unexpected(ready.error());
      continue;
    }
    return fail(Errc::Io, std::string("recv: ") + std::strerror(errno));
  }
}

}  // namespace certkeep::deploy
