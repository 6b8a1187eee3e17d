// SPDX-License-Identifier: Apache-2.0
// The per-port lock that lets two certkeep processes take turns on one HTTP-01 port, and the
// standalone responder waiting on it instead of failing to bind.
#include "challenge/port_lock.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include <catch2/catch.hpp>

#include "challenge/standalone_responder.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;
using namespace std::chrono_literals;
using certkeep::challenge::PortLock;

namespace {

// A port that was free a moment ago (bound to :0, then closed).
int free_loopback_port() {
  challenge::SocketFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
  return ntohs(address.sin_port);
}

Challenge challenge_for(char letter) {
  const std::string token(43, letter);
  return {"example.com", token, token + ".nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ"};
}

}  // namespace

TEST_CASE("port lock is exclusive, created 0600, and free again once released", "[challenge][port_lock]") {
  testing::TempDir dir("portlock");
  const auto path = dir.path() / "http01-port-80.lock";
  auto first = PortLock::acquire(path, 0ms);
  REQUIRE(first);
  CHECK(first->held());
  CHECK(testing::mode_of(path) == 0600);

  const auto started = std::chrono::steady_clock::now();
  auto second = PortLock::acquire(path, 100ms);
  REQUIRE_FALSE(second);
  CHECK(second.error().code() == Errc::Busy);
  CHECK(second.error().message().find(path.string()) != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started >= 100ms);

  first->release();
  CHECK_FALSE(first->held());
  CHECK(PortLock::acquire(path, 0ms));
}

TEST_CASE("port lock waits for its holder to let go", "[challenge][port_lock]") {
  testing::TempDir dir("portlock");
  const auto path = dir.path() / "http01-port-80.lock";
  auto holder = PortLock::acquire(path, 0ms);
  REQUIRE(holder);
  auto waiter = std::async(std::launch::async, [&] { return PortLock::acquire(path, 10s); });
  CHECK(waiter.wait_for(150ms) == std::future_status::timeout);
  holder->release();
  REQUIRE(waiter.wait_for(5s) == std::future_status::ready);
  CHECK(waiter.get());
}

TEST_CASE("port lock of a killed process is free at once", "[challenge][port_lock]") {
  testing::TempDir dir("portlock");
  const auto path = dir.path() / "http01-port-80.lock";
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto lock = PortLock::acquire(path, 0ms);
    const char byte = lock ? 'y' : 'n';
    (void)!::write(ready[1], &byte, 1);
    for (;;) ::pause();  // holds the lock until killed
  }
  ::close(ready[1]);
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  ::close(ready[0]);
  REQUIRE(byte == 'y');
  CHECK_FALSE(PortLock::acquire(path, 0ms));  // the child holds it

  REQUIRE(::kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(PortLock::acquire(path, 0ms));
}

TEST_CASE("two standalone responders on one port take turns instead of failing to bind",
          "[challenge][standalone][port_lock]") {
  testing::TempDir dir("portlock");
  challenge::ResponderOptions options;
  options.listen = "127.0.0.1:" + std::to_string(free_loopback_port());
  options.port_lock_dir = dir.path();
  options.port_lock_wait = 10s;
  auto first = challenge::StandaloneSolver::create(options);
  auto second = challenge::StandaloneSolver::create(options);
  REQUIRE(first);
  REQUIRE(second);

  REQUIRE((*first)->present(challenge_for('a')));
  const int port = (*first)->port();
  REQUIRE(port > 0);
  auto waiting = std::async(std::launch::async, [&] { return (*second)->present(challenge_for('b')); });
  CHECK(waiting.wait_for(200ms) == std::future_status::timeout);
  CHECK((*second)->port() == 0);

  (*first)->cleanup(challenge_for('a'));
  REQUIRE(waiting.wait_for(5s) == std::future_status::ready);
  const Result<void> presented = waiting.get();
  REQUIRE(presented);
  CHECK((*second)->port() == port);
  (*second)->cleanup(challenge_for('b'));
  CHECK((*second)->port() == 0);
}

TEST_CASE("standalone responder without a lock directory fails fast on a taken port",
          "[challenge][standalone][port_lock]") {
  challenge::ResponderOptions options;
  options.listen = "127.0.0.1:" + std::to_string(free_loopback_port());
  auto first = challenge::StandaloneSolver::create(options);
  auto second = challenge::StandaloneSolver::create(options);
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE((*first)->present(challenge_for('a')));
  auto presented = (*second)->present(challenge_for('b'));
  REQUIRE_FALSE(presented);
  CHECK(presented.error().code() == Errc::Io);
  (*first)->cleanup(challenge_for('a'));
}
