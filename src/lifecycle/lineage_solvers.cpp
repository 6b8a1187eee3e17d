// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/lineage_solvers.hpp"

#include <map>

#include "core/result_macros.hpp"

namespace certkeep::lifecycle {

ChallengeChoice challenge_choice(const store::LineageSettings& settings) {
  (void)settings;
  ChallengeChoice choice;
  choice.primary = ChallengeType::Http01;
  return choice;
}

Result<LineageSolvers> make_lineage_solvers(const SolverFactory& factory, const store::LineageRecord& lineage) {
  const std::vector<ChallengeType> types =
      CERTKEEP_TRY(challenge_types_for(challenge_choice(lineage.settings), lineage.identifiers));
  LineageSolvers solvers;
  std::map<ChallengeType, Solver*> by_type;
  for (std::size_t i = 0; i < types.size(); ++i) {
    Solver*& solver = by_type[types[i]];
    if (solver == nullptr) {
      std::shared_ptr<Solver> made = CERTKEEP_TRY(factory(lineage.settings, types[i]));
      solver = made.get();
      solvers.owned.push_back(std::move(made));
    }
    solvers.by_name.emplace(lineage.identifiers[i], solver);
  }
  return solvers;
}

}  // namespace certkeep::lifecycle
