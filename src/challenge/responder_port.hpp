// SPDX-License-Identifier: Apache-2.0
// ResponderPort: what both standalone responders (HTTP-01, TLS-ALPN-01) do around their server.
// Opening takes the port's lock file (another certkeep process on the same state directory may be
// answering its own challenges on the port right now; its order finishes within seconds, so this
// one waits for it instead of failing to bind), binds, starts the server and says so; closing
// stops the server and releases the lock. Not thread-safe: the responder serializes the calls.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "certkeep/result.hpp"
#include "challenge/listen_address.hpp"
#include "challenge/poll_server.hpp"
#include "challenge/port_lock.hpp"

namespace certkeep::challenge {

struct ResponderPortOptions {
  std::string protocol;     // "HTTP-01": the log lines' name
  std::string lock_prefix;  // "http01-port": the lock file is "<lock_dir>/<prefix>-<port>.lock"
  ListenAddress address;
  std::filesystem::path lock_dir;  // empty, or port 0: no lock
  std::chrono::milliseconds lock_wait{0};
  std::size_t max_connections = 64;  // sizes the listen backlog
};

// Starts the server on the bound listening socket.
using ServeOn = std::function<Result<std::unique_ptr<PollServer>>(SocketFd listener)>;

class ResponderPort {
 public:
  explicit ResponderPort(ResponderPortOptions options) : options_(std::move(options)) {}
  ~ResponderPort() { close(); }
  ResponderPort(const ResponderPort&) = delete;
  ResponderPort& operator=(const ResponderPort&) = delete;

  // Locks, binds and serves (nothing held on failure). Errc::Busy when the lock wait runs out,
  // Errc::Io when the port cannot be bound, or the server's own error.
  Result<void> open(const ServeOn& serve);
  // Stops the server and releases the port; nothing when not open.
  void close() noexcept;
  bool is_open() const noexcept { return server_ != nullptr; }
  // The bound port while open, else 0 (readable from any thread).
  int port() const noexcept { return port_.load(); }

 private:
  Result<PortLock> take_lock() const;

  const ResponderPortOptions options_;
  std::unique_ptr<PollServer> server_;
  PortLock lock_;  // held exactly while server_ listens
  std::atomic<int> port_{0};
};

}  // namespace certkeep::challenge
