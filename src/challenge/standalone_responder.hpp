// SPDX-License-Identifier: Apache-2.0
// StandaloneSolver: a small HTTP/1.1 server that answers HTTP-01 requests while challenges
// are pending, and nothing else. It listens from the first present() and closes the socket
// when the last challenge is cleaned up.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "certkeep/solver.hpp"

namespace certkeep::challenge {

struct ResponderOptions {
  // "ADDR:PORT", "[v6]:PORT" or ":PORT" (all interfaces). Default ":80".
  std::string listen = ":80";
  std::size_t max_connections = 64;
  std::size_t max_request_bytes = 8 * 1024;  // request line + headers
  std::chrono::seconds read_timeout{10};
};

class StandaloneSolver : public Solver {
 public:
  // Does not bind yet. Errc::InvalidArgument for a malformed listen address.
  static Result<std::unique_ptr<StandaloneSolver>> create(ResponderOptions options);
  ~StandaloneSolver() override = default;

  // Binds on the first pending challenge (Errc::Io naming the address when it cannot).
  Result<void> present(const Http01Challenge& challenge) override = 0;
  void cleanup(const Http01Challenge& challenge) noexcept override = 0;
  // The bound port while listening (useful with ":0"), else 0.
  virtual int port() const noexcept = 0;
};

}  // namespace certkeep::challenge
