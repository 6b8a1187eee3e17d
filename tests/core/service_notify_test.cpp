// SPDX-License-Identifier: Apache-2.0
// The notify client against real AF_UNIX datagram sockets standing in for the service manager.
#include "core/service_notify.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <future>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "certkeep/error.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;
using namespace std::chrono_literals;

namespace {

// Sets or unsets one environment variable for a test and puts the old value back.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* name) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  void set(const std::string& value) { ::setenv(name_, value.c_str(), 1); }
  void unset() { ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A bound datagram socket: the "service manager" end.
class Listener {
 public:
  // `name` is a path, or "@name" for the abstract namespace (bound with the exact length).
  explicit Listener(const std::string& name) : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (name.size() >= sizeof(address.sun_path)) throw std::runtime_error("name too long");
    std::memcpy(address.sun_path, name.data(), name.size());
    std::size_t length = offsetof(sockaddr_un, sun_path) + name.size();
    if (name.front() == '@') {
      address.sun_path[0] = '\0';
    } else {
      length += 1;
    }
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), static_cast<socklen_t>(length)) != 0) {
      ::close(fd_);
      throw std::runtime_error("bind failed: " + std::string(std::strerror(errno)));
    }
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // The next datagram, or nullopt when none arrives within `wait`.
  std::optional<std::string> receive(std::chrono::milliseconds wait = 2000ms) {
    pollfd poll_fd{fd_, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(wait.count())) != 1) return std::nullopt;
    char buffer[4096];
    const ssize_t received = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (received < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(received));
  }

 private:
  int fd_;
};

std::string random_suffix() {
  std::random_device device;
  return std::to_string(::getpid()) + "-" + std::to_string(device());
}

}  // namespace

TEST_CASE("notify sends one datagram to a filesystem socket, bytes unchanged", "[core][notify]") {
  testing::TempDir dir("notify");
  const std::string path = (dir.path() / "notify").string();
  Listener manager(path);
  ScopedEnv notify_socket("NOTIFY_SOCKET");
  notify_socket.set(path);

  auto sent = core::notify_service_manager("READY=1\nSTATUS=x");
  REQUIRE(sent.has_value());
  CHECK(*sent);
  CHECK(manager.receive() == std::optional<std::string>("READY=1\nSTATUS=x"));

  // Each call is its own datagram, in order.
  REQUIRE(core::notify_service_manager("STATUS=renewed 2, failed 0").has_value());
  REQUIRE(core::notify_service_manager("STOPPING=1").has_value());
  CHECK(manager.receive() == std::optional<std::string>("STATUS=renewed 2, failed 0"));
  CHECK(manager.receive() == std::optional<std::string>("STOPPING=1"));
}

TEST_CASE("notify reaches an abstract socket: '@' is the leading NUL, no trailing NUL", "[core][notify]") {
  // The listener is bound with the exact length: an address with a trailing NUL (or the '@'
  // kept) would name another socket and the send would be refused.
  const std::string name = "@certkeep-test-" + random_suffix();
  Listener manager(name);
  ScopedEnv notify_socket("NOTIFY_SOCKET");
  notify_socket.set(name);

  auto sent = core::notify_service_manager("READY=1\nSTATUS=x");
  REQUIRE(sent.has_value());
  CHECK(*sent);
  CHECK(manager.receive() == std::optional<std::string>("READY=1\nSTATUS=x"));
}

TEST_CASE("notify without NOTIFY_SOCKET is a quiet no-op", "[core][notify]") {
  testing::TempDir dir("notify");
  const std::string path = (dir.path() / "notify").string();
  Listener manager(path);
  ScopedEnv notify_socket("NOTIFY_SOCKET");

  notify_socket.unset();
  auto unset = core::notify_service_manager("READY=1");
  REQUIRE(unset.has_value());
  CHECK_FALSE(*unset);

  notify_socket.set("");
  auto empty = core::notify_service_manager("READY=1");
  REQUIRE(empty.has_value());
  CHECK_FALSE(*empty);

  CHECK_FALSE(manager.receive(50ms).has_value());
}

TEST_CASE("notify refuses a malformed NOTIFY_SOCKET", "[core][notify]") {
  ScopedEnv notify_socket("NOTIFY_SOCKET");
  const auto code_for = [&](const std::string& value) {
    notify_socket.set(value);
    auto sent = core::notify_service_manager("READY=1");
    REQUIRE_FALSE(sent.has_value());
    return sent.error().code();
  };
  CHECK(code_for("run/notify") == Errc::InvalidArgument);
  CHECK(code_for("vsock:2:1234") == Errc::InvalidArgument);
  CHECK(code_for("@") == Errc::InvalidArgument);
  CHECK(code_for("@" + std::string(sizeof(sockaddr_un::sun_path), 'a')) == Errc::InvalidArgument);
  // sun_path holds 108 bytes: a 107-byte path and its NUL fit (and then simply do not exist),
  // a 108-byte path does not.
  const std::size_t capacity = sizeof(sockaddr_un::sun_path);
  CHECK(code_for("/" + std::string(capacity - 2, 'a')) == Errc::Io);
  CHECK(code_for("/" + std::string(capacity - 1, 'a')) == Errc::InvalidArgument);
}

TEST_CASE("notify reports an absent manager as Io", "[core][notify]") {
  testing::TempDir dir("notify");
  ScopedEnv notify_socket("NOTIFY_SOCKET");
  notify_socket.set((dir.path() / "nobody-listens").string());
  auto sent = core::notify_service_manager("READY=1");
  REQUIRE_FALSE(sent.has_value());
  CHECK(sent.error().code() == Errc::Io);
  CHECK_THAT(sent.error().message(), Catch::Contains("nobody-listens"));
}

TEST_CASE("notify fails instead of blocking when the manager's queue is full", "[core][notify]") {
  testing::TempDir dir("notify");
  const std::string path = (dir.path() / "notify").string();
  Listener manager(path);  // never reads
  ScopedEnv notify_socket("NOTIFY_SOCKET");
  notify_socket.set(path);

  // net.unix.max_dgram_qlen (often 10 or 512) datagrams fill the queue; a blocking send would
  // then hang, so the sends run aside and a hang is detected by the timeout.
  auto outcome = std::async(std::launch::async, [] {
    for (int i = 0; i < 100000; ++i) {
      auto sent = core::notify_service_manager("WATCHDOG=1");
      if (!sent) return std::optional<Errc>(sent.error().code());
    }
    return std::optional<Errc>();
  });
  if (outcome.wait_for(10s) != std::future_status::ready) {
    manager.close();  // wakes a blocked sender, so the test ends
    FAIL("notify blocked on a full queue");
  }
  const auto failure = outcome.get();
  REQUIRE(failure.has_value());
  CHECK(*failure == Errc::Io);
}

TEST_CASE("watchdog_interval reads WATCHDOG_USEC and honours WATCHDOG_PID", "[core][notify]") {
  ScopedEnv usec("WATCHDOG_USEC");
  ScopedEnv pid("WATCHDOG_PID");
  pid.unset();

  usec.unset();
  CHECK_FALSE(core::watchdog_interval().has_value());

  usec.set("30000000");
  CHECK(core::watchdog_interval() == std::optional<std::chrono::microseconds>(30s));
  usec.set("1");
  CHECK(core::watchdog_interval() == std::optional<std::chrono::microseconds>(1us));

  for (const char* bad : {"", "0", "abc", "12x", "-5", "+5", " 5", "5 ", "0x10", "18446744073709551615",
                          "99999999999999999999", "9223372036854775808"}) {
    INFO("WATCHDOG_USEC=" << bad);
    usec.set(bad);
    CHECK_FALSE(core::watchdog_interval().has_value());
  }
  usec.set("9223372036854775807");  // the largest microseconds value still counts
  CHECK(core::watchdog_interval() == std::optional<std::chrono::microseconds>(9223372036854775807));

  usec.set("30000000");
  pid.set(std::to_string(::getpid()));
  CHECK(core::watchdog_interval() == std::optional<std::chrono::microseconds>(30s));
  pid.set(std::to_string(::getpid() + 1));
  CHECK_FALSE(core::watchdog_interval().has_value());
  for (const char* bad : {"", "abc", "-1", "0"}) {
    INFO("WATCHDOG_PID=" << bad);
    pid.set(bad);
    CHECK_FALSE(core::watchdog_interval().has_value());
  }
}
