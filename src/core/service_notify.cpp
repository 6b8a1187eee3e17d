// SPDX-License-Identifier: Apache-2.0
#include "core/service_notify.hpp"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "core/strings.hpp"

namespace certkeep::core {

namespace {

// Closes the socket on every return path.
class SocketFd {
 public:
  explicit SocketFd(int fd) : fd_(fd) {}
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;
  ~SocketFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Decimal digits only, as the manager writes them: no sign, no blanks, no trailing text, no
// overflow. nullptr (variable unset) and "" are nullopt too.
template <class T>
std::optional<T> parse_decimal(const char* text) {
  if (text == nullptr || text[0] < '0' || text[0] > '9') return std::nullopt;
  const char* end = text + std::strlen(text);
  T value{};
  auto [stop, error] = std::from_chars(text, end, value);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

}  // namespace

Result<bool> notify_service_manager(std::string_view state) {
  const char* variable = std::getenv("NOTIFY_SOCKET");
  if (variable == nullptr || variable[0] == '\0') return false;
  const std::string_view name(variable);

  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::size_t address_length = offsetof(sockaddr_un, sun_path);
  if (name.front() == '@') {
    // Abstract namespace: '@' becomes the leading NUL and the length ends exactly at the name's
    // last byte, because in that namespace every byte counted, a trailing NUL too, is the name.
    if (name.size() < 2 || name.size() > sizeof(address.sun_path)) {
      return fail(Errc::InvalidArgument,
                  "NOTIFY_SOCKET: abstract socket name empty or too long: " + std::string(name));
    }
    std::memcpy(address.sun_path + 1, name.data() + 1, name.size() - 1);
    address_length += name.size();
  } else if (name.front() == '/') {
    // A path needs room for its terminating NUL. Relative paths are refused: they would depend
    // on the working directory, which the manager does not promise.
    if (name.size() >= sizeof(address.sun_path)) {
      return fail(Errc::InvalidArgument,
                  "NOTIFY_SOCKET: path too long for a unix socket: " + std::string(name));
    }
    std::memcpy(address.sun_path, name.data(), name.size());
    address_length += name.size() + 1;
  } else {
    // Includes newer managers' "vsock:" addresses, which this client does not speak.
    return fail(Errc::InvalidArgument,
                "NOTIFY_SOCKET: neither an absolute path nor an @abstract name: " + std::string(name));
  }

  // CLOEXEC: deploy hooks may be spawned by another thread meanwhile; they must not inherit it.
  SocketFd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) return fail(Errc::Io, "notify socket: " + errno_text(errno));

  // MSG_DONTWAIT: on Linux an AF_UNIX datagram send does block while the receiver's queue is
  // full (net.unix.max_dgram_qlen), so a stalled manager would stall the scheduler, signal and
  // watchdog threads that call this. Dropping one notification (reported as Io) is better: the
  // next STATUS or keep-alive follows. MSG_NOSIGNAL: never SIGPIPE, whatever the peer's state.
  // No SCM_CREDENTIALS needed: the kernel attaches ours when the manager asks (SO_PASSCRED).
  ssize_t sent = 0;
  do {
    sent = ::sendto(socket.get(), state.data(), state.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&address), static_cast<socklen_t>(address_length));
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return fail(Errc::Io, "notify " + std::string(name) + ": " + errno_text(errno));
  // A datagram goes whole or not at all; a short count would mean a truncated message.
  if (static_cast<std::size_t>(sent) != state.size()) {
    return fail(Errc::Io, "notify " + std::string(name) + ": short send");
  }
  return true;
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  using Rep = std::chrono::microseconds::rep;
  const auto usec = parse_decimal<std::uint64_t>(std::getenv("WATCHDOG_USEC"));
  // 0 is no timeout and UINT64_MAX is the manager's "infinity"; both mean off, as anything
  // beyond what microseconds can hold.
  if (!usec || *usec == 0 || *usec > static_cast<std::uint64_t>(std::numeric_limits<Rep>::max())) {
    return std::nullopt;
  }
  // $WATCHDOG_PID names the one process the keep-alives are expected from, so a child that
  // inherited the environment does not keep a hung parent alive.
  if (const char* pid_text = std::getenv("WATCHDOG_PID"); pid_text != nullptr) {
    const auto pid = parse_decimal<pid_t>(pid_text);
    if (!pid || *pid != ::getpid()) return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<Rep>(*usec));
}

}  // namespace certkeep::core
