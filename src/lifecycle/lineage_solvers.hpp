// SPDX-License-Identifier: Apache-2.0
// The solvers of one lineage's order: which challenge type each name uses (challenge_plan.hpp)
// read from the lineage's settings, and one solver per type, made by the Services' factory.
#pragma once

#include <memory>
#include <vector>

#include "acme/issuance.hpp"
#include "certkeep/result.hpp"
#include "lifecycle/challenge_plan.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// The lineage's methods as the rule of challenge_plan.hpp sees them. Errc::Store when the stored
// per-name choices do not parse.
Result<ChallengeChoice> challenge_choice(const store::LineageSettings& settings);

// The challenge type of each of the lineage's names, in order (challenge_types_for).
Result<std::vector<ChallengeType>> lineage_challenge_types(const store::LineageRecord& lineage);

struct LineageSolvers {
  std::vector<std::shared_ptr<Solver>> owned;  // keeps the solvers alive while by_name is used
  acme::SolverMap by_name;                     // every name of the lineage → its solver
};

// Errc::InvalidArgument when a name has no usable method (challenge_types_for); the factory's
// error when a solver cannot be made.
Result<LineageSolvers> make_lineage_solvers(Services& services, const store::LineageRecord& lineage);

}  // namespace certkeep::lifecycle
