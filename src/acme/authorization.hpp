// SPDX-License-Identifier: Apache-2.0
// Authorizations and their challenges (RFC 8555 §7.1.4, §7.5, §8).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/client.hpp"
#include "certkeep/challenge.hpp"
#include "certkeep/error.hpp"
#include "certkeep/result.hpp"

namespace certkeep::acme {

enum class AuthorizationStatus { Pending, Valid, Invalid, Deactivated, Expired, Revoked };
enum class ChallengeStatus { Pending, Processing, Valid, Invalid };
std::string_view to_string(AuthorizationStatus status) noexcept;

inline constexpr std::size_t kMaxChallenges = 16;

struct Challenge {
  std::string type;  // as the CA names it: "http-01", "dns-01", "tls-alpn-01", or another
  std::optional<ChallengeType> known_type;  // set for the three types certkeep answers
  std::string url;
  ChallengeStatus status = ChallengeStatus::Pending;
  std::string token;  // for the known types: validated base64url (22..512)
  std::optional<Problem> error;
};

struct Authorization {
  std::string url;
  std::string identifier;  // a DNS name, or an IP address in canonical text (RFC 8738)
  AuthorizationStatus status = AuthorizationStatus::Pending;
  bool wildcard = false;
  std::vector<Challenge> challenges;

  // The first challenge of `type`, if the CA offers one.
  const Challenge* find(ChallengeType type) const noexcept;
  // The types the CA offers, as it names them ("http-01, tls-alpn-01"), for error messages.
  std::string offered_types() const;
  // The error of the first failed challenge, for the user (RFC 8555 §7.1.4).
  std::optional<Problem> failure() const;
};

// Errc::Protocol naming the field on malformed input, an unknown status, or a token of an
// http-01, dns-01 or tls-alpn-01 challenge outside the RFC 8555 §8.3 grammar (refused here,
// before it can reach a path, a router or a DNS record).
Result<Authorization> parse_authorization(std::string_view body, std::string url, const Client* client);
Result<Authorization> fetch_authorization(Client& client, const std::string& url);
// §7.5.1: POST {} to the challenge URL to ask the CA to validate.
Result<void> respond_to_challenge(Client& client, const Challenge& challenge);
// token "." thumbprint (§8.1).
std::string key_authorization(std::string_view token, std::string_view thumbprint);

}  // namespace certkeep::acme
