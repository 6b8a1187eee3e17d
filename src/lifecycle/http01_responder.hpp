// SPDX-License-Identifier: Apache-2.0
// Http01Responder: the Manager's Solver. It keeps pending key authorizations in a
// MemorySolver and answers a request only on the host its token was presented for, so the
// terminator's own port-80 handler can serve HTTP-01 (no second listener).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "challenge/independent_solver.hpp"
#include "challenge/memory_solver.hpp"

namespace certkeep::lifecycle {

// Thread-safe.
class Http01Responder final : public challenge::IndependentSolver {
 public:
  ChallengeType type() const noexcept override { return ChallengeType::Http01; }

  // The key authorization for GET `raw_path` with Host `host` (any case, a ":port" suffix and
  // a trailing dot ignored), or nullopt unless a challenge for exactly that token and host is
  // pending. `raw_path` is matched as received (MemorySolver::answer: no decoding).
  std::optional<std::string> answer(std::string_view host, std::string_view raw_path) const;

 protected:
  Result<void> present_one(const Challenge& challenge) override;
  void cleanup_one(const Challenge& challenge) noexcept override;

 private:
  challenge::MemorySolver memory_;
  mutable std::mutex mutex_;
  std::multimap<std::string, std::string, std::less<>> hosts_;  // token → identifier
};

// "Example.COM.:8080" → "example.com"; "[::1]:80" and "0:0::1" → "::1" (addresses in canonical form).
std::string host_without_port(std::string_view host);

}  // namespace certkeep::lifecycle
