// SPDX-License-Identifier: Apache-2.0
// Solver: the extension point that makes challenges answerable (RFC 8555 §8, RFC 8737). One
// solver answers one challenge type; the order flow gives each name of an order to the solver
// of the type its lineage asks for.
#pragma once

#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "certkeep/challenge.hpp"
#include "certkeep/result.hpp"

namespace certkeep {

// The order flow calls, for each solver:
//   check(names)           once, before the CA is asked for an order
//   present(batch)         once per order with every pending challenge of that solver
//   wait_until_ready(batch) before the CA is told to validate any of them
//   cleanup(batch)         once the authorizations are final, however the flow ends (an error,
//                          a cancellation, a CA refusal): always with the batch given to
//                          present(), even when present() failed part-way
// Implementations must be thread-safe: several flows (bulk renewal) may share one solver.
class Solver {
 public:
  virtual ~Solver() = default;

  // The challenge type this solver answers.
  virtual ChallengeType type() const noexcept = 0;

  // Checks, before any order exists, that the names can be answered (e.g. the DNS server
  // accepts the key for their zones), so a bad setup is refused without leaving an order
  // behind. Names are as ordered ("*.example.com"). Default: nothing to check.
  virtual Result<void> check(const std::vector<std::string>& names) {
    (void)names;
    return {};
  }

  // Makes every challenge of `challenges` answerable at once (a DNS solver sends one update
  // per zone for all of them). Errc::InvalidArgument for a malformed token or key
  // authorization; the solver's own errors otherwise (Errc::Io, Errc::Network, Errc::Dns,
  // Errc::Hook, …). On failure some challenges may be presented: cleanup() follows anyway.
  virtual Result<void> present(std::span<const Challenge> challenges) = 0;

  // Returns once the CA can see what present() published (a DNS solver: every authoritative
  // server answers the records), or Errc::Timeout naming what never became visible, or
  // Errc::Cancelled when `stop` is requested. Default: ready at once.
  virtual Result<void> wait_until_ready(std::span<const Challenge> challenges, std::stop_token stop) {
    (void)challenges;
    (void)stop;
    return {};
  }

  // Removes exactly what present() added for `challenges` and nothing else; a challenge that
  // was never presented is ignored. Never fails the order: problems are logged.
  virtual void cleanup(std::span<const Challenge> challenges) noexcept = 0;

  // One challenge alone. A subclass that overrides the batch versions brings these into scope
  // with `using Solver::present; using Solver::cleanup;`.
  Result<void> present(const Challenge& challenge) { return present(std::span<const Challenge>(&challenge, 1)); }
  void cleanup(const Challenge& challenge) noexcept { cleanup(std::span<const Challenge>(&challenge, 1)); }
};

}  // namespace certkeep
