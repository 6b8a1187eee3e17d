// SPDX-License-Identifier: Apache-2.0
// A DNS-01 challenge for the DNS solvers' tests: token, key authorization and TXT value all
// derived from `seed`, so two challenges of one test never share a record value.
#pragma once

#include <string>

#include "certkeep/challenge.hpp"
#include "core/base64url.hpp"

namespace certkeep::testing {

inline Challenge dns01(const std::string& identifier, const std::string& seed, bool wildcard = false) {
  Challenge challenge;
  challenge.type = ChallengeType::Dns01;
  challenge.identifier = identifier;
  challenge.wildcard = wildcard;
  challenge.token = "token_" + seed + "_0123456789abcdefghij";
  challenge.key_authorization = challenge.token + ".thumbprint0123456789abcdefghijklmnopqrstuvw";
  // A TXT value has the shape of the real one: 43 characters of base64url (a SHA-256).
  challenge.dns_txt_value = core::base64url_encode(seed + std::string(32, 'y')).substr(0, 43);
  return challenge;
}

}  // namespace certkeep::testing
