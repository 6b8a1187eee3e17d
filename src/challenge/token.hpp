// SPDX-License-Identifier: Apache-2.0
// The HTTP-01 token grammar (RFC 8555 §8.3): base64url, no padding, ≥128 bits, and the shape
// of a key authorization (RFC 8555 §8.1). Every solver checks both before a token reaches a
// path, a router or a log line.
#pragma once

#include <string>
#include <string_view>

#include "certkeep/solver.hpp"

namespace certkeep::challenge {

inline constexpr std::string_view kChallengePathPrefix = "/.well-known/acme-challenge/";

// Accepts ^[A-Za-z0-9_-]{22,512}$ only.
bool is_valid_token(std::string_view token) noexcept;

// Accepts exactly "<token>.<thumbprint>" where <token> is `token` (itself valid) and
// <thumbprint> is 43 base64url characters (an unpadded SHA-256 JWK thumbprint, RFC 7638).
bool is_valid_key_authorization(std::string_view token, std::string_view key_authorization) noexcept;

// What every solver's present() checks first (the grammar is the same for HTTP-01, DNS-01 and
// TLS-ALPN-01): Errc::InvalidArgument when the token or the key authorization is malformed. The
// message never quotes the rejected text.
Result<void> check_http01_challenge(const Challenge& challenge);

}  // namespace certkeep::challenge
