// SPDX-License-Identifier: Apache-2.0
// TlsAlpnSolver: the standalone TLS-ALPN-01 responder (RFC 8737, `--tls-alpn [ADDR:]PORT`). It
// listens from the first present() and closes the socket when the last challenge is cleaned
// up, like the HTTP-01 responder, and answers only validation handshakes for pending names
// (tls_alpn_server.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "challenge/independent_solver.hpp"

namespace certkeep::challenge {

struct TlsAlpnResponderOptions {
  // "ADDR:PORT", "[v6]:PORT" or ":PORT" (all interfaces). Port 0 picks a free one. Default ":443".
  std::string listen = ":443";
  // Open connections at once; more are accepted and closed at once. Default 64.
  std::size_t max_connections = 64;
  // From accept to the end of the handshake. Default 10 s.
  std::chrono::milliseconds handshake_timeout{10'000};
  // As ResponderOptions::port_lock_dir: "<dir>/tls-alpn-port-<port>.lock" while listening.
  std::filesystem::path port_lock_dir;
  std::chrono::milliseconds port_lock_wait{300'000};
};

// Thread-safe.
class TlsAlpnSolver : public IndependentSolver {
 public:
  // Does not bind yet. Errc::InvalidArgument for a malformed listen address, zero
  // max_connections or a non-positive handshake_timeout.
  static Result<std::unique_ptr<TlsAlpnSolver>> create(TlsAlpnResponderOptions options);
  ~TlsAlpnSolver() override = default;

  ChallengeType type() const noexcept override { return ChallengeType::TlsAlpn01; }
  // The bound port while listening, else 0.
  virtual int port() const noexcept = 0;
  // present(): Errc::InvalidArgument for a malformed token or key authorization; makes the
  // validation certificate; binds on the first pending challenge (Errc::Io naming the address).
  // cleanup(): forgets the name's validation; after the last, stops listening.
};

}  // namespace certkeep::challenge
