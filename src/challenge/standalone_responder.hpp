// SPDX-License-Identifier: Apache-2.0
// StandaloneSolver: a small HTTP/1.1 server that answers HTTP-01 requests while challenges
// are pending, and nothing else. It listens from the first present() and closes the socket
// when the last challenge is cleaned up.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "challenge/independent_solver.hpp"

namespace certkeep::challenge {

struct ResponderOptions {
  // "ADDR:PORT", "[v6]:PORT" or ":PORT" (all interfaces, dual-stack). Numeric addresses only;
  // port 0 picks a free port (see port()). Default ":80".
  std::string listen = ":80";
  // Open connections at once; more are accepted and closed immediately. Default 64.
  std::size_t max_connections = 64;
  // Request line + headers; longer request lines get 414, longer heads 431. Default 8 KiB.
  std::size_t max_request_bytes = 8 * 1024;
  // Per connection: from accept to a complete request head (a silent client is closed after
  // it), and again for writing the answer. Default 10 s.
  std::chrono::milliseconds read_timeout{10'000};
  // When set, the responder holds "<dir>/http01-port-<port>.lock" while it listens, and waits
  // up to port_lock_wait for another certkeep process to finish with the port before binding.
  // Not used with port 0. Default: empty (no lock).
  std::filesystem::path port_lock_dir;
  std::chrono::milliseconds port_lock_wait{300'000};
};

// Serves, while at least one challenge is pending:
//   GET or HEAD /.well-known/acme-challenge/<token>  → 200 text/plain, the key authorization
//   any other target (unknown token, "../", "%2e", query, absolute form) → 404
//   other methods → 405; malformed requests → 400; then closes the connection.
// Thread-safe: present() and cleanup() may be called from any thread.
class StandaloneSolver : public IndependentSolver {
 public:
  // Does not bind yet. Errc::InvalidArgument for a malformed listen address, zero
  // max_connections, max_request_bytes below 64 or a non-positive read_timeout.
  static Result<std::unique_ptr<StandaloneSolver>> create(ResponderOptions options);
  // Stops listening and closes every connection.
  ~StandaloneSolver() override = default;

  ChallengeType type() const noexcept override { return ChallengeType::Http01; }
  // The bound port while listening (useful with ":0"), else 0.
  virtual int port() const noexcept = 0;

  // present(): Errc::InvalidArgument for a malformed token or key authorization. Binds on the
  // first pending challenge: Errc::Io naming the address and the system error when it cannot.
  // cleanup(): forgets the token; after the last one, closes the listening socket and joins
  // the thread.
};

}  // namespace certkeep::challenge
