// SPDX-License-Identifier: Apache-2.0
// IndependentSolver: the base of the solvers whose challenges do not depend on each other
// (HTTP-01 and TLS-ALPN-01: a file, a certificate per name). A batch is presented and cleaned
// up one challenge at a time; a challenge of another type is refused.
#pragma once

#include <span>

#include "certkeep/solver.hpp"

namespace certkeep::challenge {

class IndependentSolver : public Solver {
 public:
  using Solver::cleanup;
  using Solver::present;

  // Errc::InvalidArgument for a challenge of another type than type(); otherwise present_one()
  // for each challenge in order, stopping at the first error.
  Result<void> present(std::span<const Challenge> challenges) final;
  void cleanup(std::span<const Challenge> challenges) noexcept final;

 protected:
  virtual Result<void> present_one(const Challenge& challenge) = 0;
  virtual void cleanup_one(const Challenge& challenge) noexcept = 0;
};

}  // namespace certkeep::challenge
