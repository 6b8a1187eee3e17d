// SPDX-License-Identifier: Apache-2.0
#include "challenge/independent_solver.hpp"

#include <string>

#include "core/result_macros.hpp"

namespace certkeep::challenge {

Result<void> IndependentSolver::present(std::span<const Challenge> challenges) {
  for (const Challenge& challenge : challenges) {
    if (challenge.type != type())
      return fail(Errc::InvalidArgument, "a " + std::string(to_string(type())) + " solver cannot answer a " +
                                             std::string(to_string(challenge.type)) + " challenge");
    CERTKEEP_TRY(present_one(challenge));
  }
  return {};
}

void IndependentSolver::cleanup(std::span<const Challenge> challenges) noexcept {
  for (const Challenge& challenge : challenges)
    if (challenge.type == type()) cleanup_one(challenge);
}

}  // namespace certkeep::challenge
