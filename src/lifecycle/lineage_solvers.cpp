// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/lineage_solvers.hpp"

#include <map>

#include "core/result_macros.hpp"

namespace certkeep::lifecycle {

Result<ChallengeChoice> challenge_choice(const store::LineageSettings& settings) {
  ChallengeChoice choice;
  switch (settings.challenge_method) {
    case store::ChallengeMethod::Standalone:
    case store::ChallengeMethod::Webroot:
    case store::ChallengeMethod::Memory: choice.primary = ChallengeType::Http01; break;
    case store::ChallengeMethod::TlsAlpn:
    case store::ChallengeMethod::TlsAlpnMemory: choice.primary = ChallengeType::TlsAlpn01; break;
    case store::ChallengeMethod::None: break;
  }
  choice.has_dns = settings.dns.method != store::DnsMethod::None;
  auto overrides = parse_overrides(settings.challenge_overrides);
  if (!overrides) return fail(Errc::Store, "stored challenge choices: " + overrides.error().message());
  choice.overrides = std::move(*overrides);
  return choice;
}

Result<std::vector<ChallengeType>> lineage_challenge_types(const store::LineageRecord& lineage) {
  return challenge_types_for(CERTKEEP_TRY(challenge_choice(lineage.settings)), lineage.identifiers);
}

Result<LineageSolvers> make_lineage_solvers(Services& services, const store::LineageRecord& lineage) {
  const std::vector<ChallengeType> types = CERTKEEP_TRY(lineage_challenge_types(lineage));
  LineageSolvers solvers;
  std::map<ChallengeType, Solver*> by_type;
  for (std::size_t i = 0; i < types.size(); ++i) {
    Solver*& solver = by_type[types[i]];
    if (solver == nullptr) {
      std::shared_ptr<Solver> made = CERTKEEP_TRY(services.make_solver(services, lineage, types[i]));
      solver = made.get();
      solvers.owned.push_back(std::move(made));
    }
    solvers.by_name.emplace(lineage.identifiers[i], solver);
  }
  return solvers;
}

}  // namespace certkeep::lifecycle
