// SPDX-License-Identifier: Apache-2.0
// Which challenge type proves each name of a lineage: the one rule shared by `issue`, the
// renewals, the Manager and `show`.
//
// A lineage has at most one HTTP-01 or TLS-ALPN-01 method ("primary") and at most one DNS-01
// method, plus explicit choices per name:
//   1. a name listed in `overrides` uses the type given there;
//   2. a wildcard ("*.example.com") uses DNS-01 (the only type a CA accepts for it);
//   3. any other name uses the primary method, or DNS-01 when the lineage has only DNS-01.
// So `-d example.com -d '*.example.com'` with both methods proves example.com over HTTP-01
// and the wildcard over DNS-01 (certbot and lego users expect one method per run; acme.sh
// users a method per name: both are covered).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/challenge.hpp"
#include "certkeep/result.hpp"

namespace certkeep::lifecycle {

struct ChallengeChoice {
  std::optional<ChallengeType> primary;  // HTTP-01 or TLS-ALPN-01; nullopt: DNS-01 only
  bool has_dns = false;                  // a DNS-01 method (RFC 2136 or a hook) is configured
  std::map<std::string, ChallengeType, std::less<>> overrides;  // name as ordered → type
};

// The type that proves `name` (as ordered, lowercase). Errc::InvalidArgument naming the name
// and what is missing: a wildcard without a DNS-01 method or forced to another type, an
// override naming a type the lineage has no method for, or no method at all.
Result<ChallengeType> challenge_type_for(const ChallengeChoice& choice, std::string_view name);

// Every name's type, in the order of `names`; also refuses an override for a name that is not
// among `names`. Errc::InvalidArgument as above, before anything is stored or ordered.
Result<std::vector<ChallengeType>> challenge_types_for(const ChallengeChoice& choice,
                                                       const std::vector<std::string>& names);

// Parses "NAME=TYPE" (`--challenge www.example.com=dns-01`) into `choice.overrides`.
// Errc::InvalidArgument for a missing '=', an invalid name or an unknown type.
Result<void> add_challenge_override(ChallengeChoice& choice, std::string_view text);

// The overrides as "NAME=TYPE,NAME=TYPE" (the store's spelling) and back.
std::string format_overrides(const std::map<std::string, ChallengeType, std::less<>>& overrides);
Result<std::map<std::string, ChallengeType, std::less<>>> parse_overrides(std::string_view text);

}  // namespace certkeep::lifecycle
