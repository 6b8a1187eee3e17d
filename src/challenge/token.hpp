// SPDX-License-Identifier: Apache-2.0
// The HTTP-01 token grammar (RFC 8555 §8.3): base64url, no padding, ≥128 bits.
#pragma once

#include <string_view>

namespace certkeep::challenge {

// Accepts ^[A-Za-z0-9_-]{22,512}$ only. Checked once, before a token reaches a path, a router
// or a log line.
bool is_valid_token(std::string_view token) noexcept;

inline constexpr std::string_view kChallengePathPrefix = "/.well-known/acme-challenge/";

}  // namespace certkeep::challenge
