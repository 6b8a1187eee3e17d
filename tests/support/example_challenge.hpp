// SPDX-License-Identifier: Apache-2.0
// The token and account-key thumbprint of RFC 8555 §8.3's example, shared by the challenge
// tests, and an HTTP-01 challenge for example.com built from them.
#pragma once

#include <string>

#include "certkeep/challenge.hpp"

namespace certkeep::testing::rfc8555 {

// Where an HTTP-01 answer is fetched: this path + the token (RFC 8555 §8.3).
inline const std::string kChallengePath = "/.well-known/acme-challenge/";
inline const std::string kToken = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
inline const std::string kThumbprint = "nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ";

inline Challenge make_challenge(const std::string& token) {
  return {"example.com", token, token + "." + kThumbprint};
}

}  // namespace certkeep::testing::rfc8555
