// SPDX-License-Identifier: Apache-2.0
#include "dns/exchange.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "core/result_macros.hpp"

namespace certkeep::dns {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxMessage = 65535;
// poll() slices, so a stop request is seen within this long.
constexpr std::chrono::milliseconds kStopCheck{100};

class Socket {
 public:
  explicit Socket(int fd) noexcept : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

enum class Wait { Ready, TimedOut, Stopped };

Wait wait_for(int fd, short events, Clock::time_point deadline, const std::stop_token& stop) {
  for (;;) {
    if (stop.stop_requested()) return Wait::Stopped;
    const Clock::time_point now = Clock::now();
    if (now >= deadline) return Wait::TimedOut;
    const auto slice = std::min(std::chrono::ceil<std::chrono::milliseconds>(deadline - now), kStopCheck);
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(slice.count()));
    if (ready > 0) return Wait::Ready;
    if (ready < 0 && errno != EINTR) return Wait::Ready;  // the next call reports the error
  }
}

std::string id_of(std::string_view message) { return std::string(message.substr(0, 2)); }

Error network_error(const ServerAddress& server, const std::string& what, int error_number) {
  return Error(Errc::Network, "DNS server " + server.to_string() + ": " + what + ": " + std::strerror(error_number));
}

Error timeout_error(const ServerAddress& server, const ExchangeOptions& options, Protocol protocol) {
  const int attempts = protocol == Protocol::Udp ? options.udp_attempts : 1;
  const double seconds = static_cast<double>(options.timeout.count()) / 1000.0 * attempts;
  char shown[32];
  std::snprintf(shown, sizeof shown, "%g", seconds);
  return Error(Errc::Timeout, "DNS server " + server.to_string() + " did not answer within " + shown + " s" +
                                  (attempts > 1 ? " (" + std::to_string(attempts) + " tries)" : ""));
}

Result<std::string> exchange_udp(const ServerAddress& server, const SocketAddress& address, std::string_view request,
                                 const ExchangeOptions& options) {
  Socket socket(::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) return fail(network_error(server, "socket", errno));
  // A connected socket only takes datagrams from the server and reports ICMP errors (nothing
  // listening) as ECONNREFUSED instead of a timeout.
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0)
    return fail(network_error(server, "connect", errno));
  std::string reply(kMaxMessage, '\0');
  for (int attempt = 0; attempt < options.udp_attempts; ++attempt) {
    if (::send(socket.get(), request.data(), request.size(), MSG_NOSIGNAL) < 0)
      return fail(network_error(server, "send", errno));
    const Clock::time_point deadline = Clock::now() + options.timeout;
    for (;;) {
      const Wait waited = wait_for(socket.get(), POLLIN, deadline, options.stop);
      if (waited == Wait::Stopped) return fail(Errc::Cancelled, "stopped while waiting for " + server.to_string());
      if (waited == Wait::TimedOut) break;
      const ssize_t n = ::recv(socket.get(), reply.data(), reply.size(), 0);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
        return fail(network_error(server, "receive", errno));
      }
      // Another query's late answer, or a forged one: only our ID counts.
      if (n < 12 || reply.compare(0, 2, id_of(request)) != 0) continue;
      reply.resize(static_cast<std::size_t>(n));
      return reply;
    }
  }
  return fail(timeout_error(server, options, Protocol::Udp));
}

Result<void> send_all(int fd, std::string_view data, const ServerAddress& server, Clock::time_point deadline,
                      const ExchangeOptions& options) {
  while (!data.empty()) {
    const Wait waited = wait_for(fd, POLLOUT, deadline, options.stop);
    if (waited == Wait::Stopped) return fail(Errc::Cancelled, "stopped while sending to " + server.to_string());
    if (waited == Wait::TimedOut) return fail(timeout_error(server, options, Protocol::Tcp));
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return fail(network_error(server, "send", errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> receive_exactly(int fd, char* out, std::size_t size, const ServerAddress& server,
                             Clock::time_point deadline, const ExchangeOptions& options) {
  std::size_t got = 0;
  while (got < size) {
    const Wait waited = wait_for(fd, POLLIN, deadline, options.stop);
    if (waited == Wait::Stopped) return fail(Errc::Cancelled, "stopped while waiting for " + server.to_string());
    if (waited == Wait::TimedOut) return fail(timeout_error(server, options, Protocol::Tcp));
    const ssize_t n = ::recv(fd, out + got, size - got, 0);
    if (n == 0) return fail(Errc::Network, "DNS server " + server.to_string() + " closed the connection");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return fail(network_error(server, "receive", errno));
    }
    got += static_cast<std::size_t>(n);
  }
  return {};
}

Result<std::string> exchange_tcp(const ServerAddress& server, const SocketAddress& address, std::string_view request,
                                 const ExchangeOptions& options) {
  if (request.size() > kMaxMessage) return fail(Errc::InvalidArgument, "DNS message too large");
  const Clock::time_point deadline = Clock::now() + options.timeout;
  Socket socket(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) return fail(network_error(server, "socket", errno));
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0 &&
      errno != EINPROGRESS)
    return fail(network_error(server, "connect", errno));
  const Wait connected = wait_for(socket.get(), POLLOUT, deadline, options.stop);
  if (connected == Wait::Stopped) return fail(Errc::Cancelled, "stopped while connecting to " + server.to_string());
  if (connected == Wait::TimedOut) return fail(timeout_error(server, options, Protocol::Tcp));
  int error_number = 0;
  socklen_t length = sizeof error_number;
  ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error_number, &length);
  if (error_number != 0) return fail(network_error(server, "connect", error_number));
  // RFC 1035 §4.2.2: a two-byte length, then the message.
  std::string framed;
  framed.push_back(static_cast<char>(request.size() >> 8));
  framed.push_back(static_cast<char>(request.size() & 0xff));
  framed += request;
  CERTKEEP_TRY(send_all(socket.get(), framed, server, deadline, options));
  for (;;) {
    unsigned char prefix[2];
    CERTKEEP_TRY(receive_exactly(socket.get(), reinterpret_cast<char*>(prefix), 2, server, deadline, options));
    const std::size_t size = (static_cast<std::size_t>(prefix[0]) << 8) | prefix[1];
    std::string reply(size, '\0');
    CERTKEEP_TRY(receive_exactly(socket.get(), reply.data(), size, server, deadline, options));
    if (size >= 12 && reply.compare(0, 2, id_of(request)) == 0) return reply;
  }
}

}  // namespace

Result<std::string> exchange(const ServerAddress& server, std::string_view request, Protocol protocol,
                             const ExchangeOptions& options) {
  if (request.size() < 12) return fail(Errc::InvalidArgument, "DNS message shorter than its header");
  const std::vector<SocketAddress> addresses = CERTKEEP_TRY(resolve(server));
  std::optional<Error> last;
  for (const SocketAddress& address : addresses) {
    auto reply = protocol == Protocol::Udp ? exchange_udp(server, address, request, options)
                                           : exchange_tcp(server, address, request, options);
    if (reply || reply.error().code() == Errc::Cancelled) return reply;
    last = std::move(reply).error();
  }
  return fail(std::move(*last));
}

}  // namespace certkeep::dns
