// SPDX-License-Identifier: Apache-2.0
// MemorySolver: keeps pending key authorizations in memory and answers look-ups, for the
// standalone responder and for a terminator that serves HTTP-01 on its own port 80.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "challenge/independent_solver.hpp"

namespace certkeep::challenge {

// The token when `raw_target` (the request-target exactly as received) is
// "/.well-known/acme-challenge/<token>" with a valid token; nullopt for anything else.
// Nothing is decoded or normalised, so "%2e", "//", "../", "?query", "#fragment", a trailing
// "/" or an absolute-form target never yield a token.
std::optional<std::string> http01_route(std::string_view raw_target);

// Thread-safe: every member may be called from any thread at any time.
class MemorySolver : public IndependentSolver {
 public:
  ChallengeType type() const noexcept override { return ChallengeType::Http01; }

  // The key authorization when `request_target` is http01_route() of a pending token, nullopt
  // for anything else.
  std::optional<std::string> answer(std::string_view request_target) const;
  // How many tokens are pending.
  std::size_t pending() const;

 protected:
  // Errc::InvalidArgument for a malformed token or key authorization (check_http01_challenge).
  // Presenting a token again replaces its key authorization.
  Result<void> present_one(const Challenge& challenge) override;
  // Forgets the token; unknown tokens are ignored.
  void cleanup_one(const Challenge& challenge) noexcept override;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> key_authorizations_;  // token → key auth
};

}  // namespace certkeep::challenge
