// SPDX-License-Identifier: Apache-2.0
// PresentedChallenges: the challenges of one order flow grouped by the solver that answers
// them, presented and made ready batch by batch, and cleaned up exactly once, however the flow
// ends (RAII). What a solver sees is built here from the CA's challenge (key authorization,
// the DNS-01 TXT value).
#pragma once

#include <stop_token>
#include <string>
#include <vector>

#include "acme/authorization.hpp"
#include "certkeep/solver.hpp"

namespace certkeep::acme {

// The challenge a solver answers for `challenge` of `authorization`: the key authorization
// (token "." thumbprint), and for DNS-01 base64url(SHA-256(key authorization)) (RFC 8555 §8.4).
certkeep::Challenge solver_challenge(const Authorization& authorization, const Challenge& challenge,
                                     std::string_view thumbprint);

class PresentedChallenges {
 public:
  PresentedChallenges() = default;
  PresentedChallenges(const PresentedChallenges&) = delete;
  PresentedChallenges& operator=(const PresentedChallenges&) = delete;
  ~PresentedChallenges() { cleanup_all(); }

  // Queues `challenge` for `solver`'s batch.
  void add(Solver& solver, certkeep::Challenge challenge);
  // Presents every batch (one present() call per solver), then waits until each is ready.
  // A batch is cleaned up later even when its present() fails.
  Result<void> present_and_wait(std::stop_token stop);
  // Cleans up every presented batch (once).
  void cleanup_all() noexcept;

 private:
  struct Batch {
    Solver* solver = nullptr;
    std::vector<certkeep::Challenge> challenges;
    bool presented = false;  // present() was called: cleanup() is owed
  };
  std::vector<Batch> batches_;
};

}  // namespace certkeep::acme
