// SPDX-License-Identifier: Apache-2.0
// MemorySolver: keeps pending key authorizations in memory and answers look-ups, for the
// standalone responder and for a terminator that serves HTTP-01 on its own port 80.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "certkeep/solver.hpp"

namespace certkeep::challenge {

// Thread-safe.
class MemorySolver : public Solver {
 public:
  Result<void> present(const Http01Challenge& challenge) override;
  void cleanup(const Http01Challenge& challenge) noexcept override;

  // The key authorization for an exact raw request target
  // "/.well-known/acme-challenge/<token>", nullopt for anything else (no decoding, no
  // normalisation: "%2e", "//", "?x" or a trailing "/" never match).
  std::optional<std::string> answer(std::string_view request_target) const;
  std::size_t pending() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> key_authorizations_;  // token → key auth
};

}  // namespace certkeep::challenge
