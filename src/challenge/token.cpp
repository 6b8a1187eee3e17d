// SPDX-License-Identifier: Apache-2.0
#include "challenge/token.hpp"

#include "core/base64url.hpp"

namespace certkeep::challenge {

namespace {

constexpr std::size_t kMinTokenLength = 22;  // 128 bits of base64url (RFC 8555 §8.3)
constexpr std::size_t kMaxTokenLength = 512;
constexpr std::size_t kThumbprintLength = 43;  // base64url(SHA-256), unpadded

}  // namespace

bool is_valid_token(std::string_view token) noexcept {
  return token.size() >= kMinTokenLength && token.size() <= kMaxTokenLength && core::is_base64url(token);
}

bool is_valid_key_authorization(std::string_view token, std::string_view key_authorization) noexcept {
  if (!is_valid_token(token)) return false;
  if (key_authorization.size() != token.size() + 1 + kThumbprintLength) return false;
  if (!key_authorization.starts_with(token) || key_authorization[token.size()] != '.') return false;
  return core::is_base64url(key_authorization.substr(token.size() + 1));
}

Result<void> check_http01_challenge(const Challenge& challenge) {
  const std::string type(to_string(challenge.type));
  if (!is_valid_token(challenge.token))
    return fail(Errc::InvalidArgument, type + " token is not 22..512 base64url characters (length " +
                                           std::to_string(challenge.token.size()) + ")");
  if (!is_valid_key_authorization(challenge.token, challenge.key_authorization))
    return fail(Errc::InvalidArgument, type + " key authorization is not \"<token>.<thumbprint>\"");
  return {};
}

}  // namespace certkeep::challenge
