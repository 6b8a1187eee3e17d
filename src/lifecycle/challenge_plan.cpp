// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/challenge_plan.hpp"

#include <algorithm>

#include "core/ip_address.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"

namespace certkeep::lifecycle {

namespace {

std::string shown(std::string_view name) { return core::sanitize_for_terminal(name, 80); }

bool is_configured(const ChallengeChoice& choice, ChallengeType type) {
  return type == ChallengeType::Dns01 ? choice.has_dns : choice.primary == type;
}

std::string how_to_configure(ChallengeType type) {
  switch (type) {
    case ChallengeType::Dns01: return "--dns-rfc2136 SERVER --tsig-key FILE, or --dns-hook CMD";
    case ChallengeType::TlsAlpn01: return "--tls-alpn [ADDR:]PORT";
    case ChallengeType::Http01: return "--standalone, --http-listen or --webroot";
  }
  return "";
}

}  // namespace

Result<ChallengeType> challenge_type_for(const ChallengeChoice& choice, std::string_view name) {
  const bool wildcard = name.starts_with("*.");
  // RFC 8738 §7: an IP identifier is never proved by DNS-01 (no reverse-zone TXT records).
  if (core::is_ip_address(name)) {
    auto it = choice.overrides.find(name);
    const bool dns_chosen = it != choice.overrides.end() ? it->second == ChallengeType::Dns01
                                                         : !choice.primary && choice.has_dns;
    if (dns_chosen)
      return fail(Errc::InvalidArgument, shown(name) + ": an IP address cannot be proved by dns-01 (RFC 8738); use " +
                                             how_to_configure(ChallengeType::Http01) + ", or " +
                                             how_to_configure(ChallengeType::TlsAlpn01));
  }
  if (auto it = choice.overrides.find(name); it != choice.overrides.end()) {
    if (wildcard && it->second != ChallengeType::Dns01)
      return fail(Errc::InvalidArgument, shown(name) + ": a wildcard can only be proved by dns-01, not " +
                                             std::string(to_string(it->second)));
    if (!is_configured(choice, it->second))
      return fail(Errc::InvalidArgument, shown(name) + " is to use " + std::string(to_string(it->second)) +
                                             ", but the lineage has no " + std::string(to_string(it->second)) +
                                             " method (" + how_to_configure(it->second) + ")");
    return it->second;
  }
  if (wildcard) {
    if (!choice.has_dns)
      return fail(Errc::InvalidArgument,
                  shown(name) + ": a wildcard needs the dns-01 challenge (" +
                      how_to_configure(ChallengeType::Dns01) + "); " +
                      (choice.primary ? std::string(to_string(*choice.primary)) : std::string("http-01")) +
                      " cannot prove it");
    return ChallengeType::Dns01;
  }
  if (choice.primary) return *choice.primary;
  if (choice.has_dns) return ChallengeType::Dns01;
  return fail(Errc::InvalidArgument, shown(name) + ": no challenge method configured");
}

Result<std::vector<ChallengeType>> challenge_types_for(const ChallengeChoice& choice,
                                                       const std::vector<std::string>& names) {
  for (const auto& [name, type] : choice.overrides)
    if (std::find(names.begin(), names.end(), name) == names.end())
      return fail(Errc::InvalidArgument, "--challenge " + shown(name) + "=" + std::string(to_string(type)) +
                                             ": " + shown(name) + " is not one of the certificate's names");
  std::vector<ChallengeType> types;
  for (const std::string& name : names) types.push_back(CERTKEEP_TRY(challenge_type_for(choice, name)));
  return types;
}

Result<void> add_challenge_override(ChallengeChoice& choice, std::string_view text) {
  const std::size_t equals = text.rfind('=');
  if (equals == std::string_view::npos)
    return fail(Errc::InvalidArgument, "--challenge " + shown(text) + ": expected NAME=TYPE");
  const std::string name = core::to_lower(text.substr(0, equals));
  const std::string_view type_text = text.substr(equals + 1);
  if (!core::is_valid_dns_name(name, true))
    return fail(Errc::InvalidArgument, "--challenge: invalid DNS name \"" + shown(name) + "\"");
  const std::optional<ChallengeType> type = parse_challenge_type(type_text);
  if (!type)
    return fail(Errc::InvalidArgument, "--challenge " + shown(text) + ": the type must be http-01, dns-01 or tls-alpn-01");
  choice.overrides.insert_or_assign(name, *type);
  return {};
}

std::string format_overrides(const std::map<std::string, ChallengeType, std::less<>>& overrides) {
  std::vector<std::string> parts;
  for (const auto& [name, type] : overrides) parts.push_back(name + "=" + std::string(to_string(type)));
  return core::join(parts, ",");
}

Result<std::map<std::string, ChallengeType, std::less<>>> parse_overrides(std::string_view text) {
  ChallengeChoice choice;
  if (core::trim(text).empty()) return choice.overrides;
  for (const std::string& part : core::split(text, ',')) CERTKEEP_TRY(add_challenge_override(choice, part));
  return choice.overrides;
}

}  // namespace certkeep::lifecycle
