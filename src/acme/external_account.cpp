// SPDX-License-Identifier: Apache-2.0
#include "acme/external_account.hpp"

#include "acme/json.hpp"
#include "core/base64url.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/hmac.hpp"

namespace certkeep::acme {

namespace {

constexpr std::size_t kMaxKeyIdLength = 1024;
constexpr std::size_t kMaxMacKeyText = 4096;

crypto::HmacDigest digest_of(MacAlgorithm algorithm) {
  switch (algorithm) {
    case MacAlgorithm::Hs256: return crypto::HmacDigest::Sha256;
    case MacAlgorithm::Hs384: return crypto::HmacDigest::Sha384;
    case MacAlgorithm::Hs512: return crypto::HmacDigest::Sha512;
  }
  return crypto::HmacDigest::Sha256;
}

}  // namespace

std::string_view to_string(MacAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case MacAlgorithm::Hs256: return "HS256";
    case MacAlgorithm::Hs384: return "HS384";
    case MacAlgorithm::Hs512: return "HS512";
  }
  return "HS256";
}

std::optional<MacAlgorithm> parse_mac_algorithm(std::string_view text) noexcept {
  if (core::iequals(text, "hs256")) return MacAlgorithm::Hs256;
  if (core::iequals(text, "hs384")) return MacAlgorithm::Hs384;
  if (core::iequals(text, "hs512")) return MacAlgorithm::Hs512;
  return std::nullopt;
}

Result<core::Secret> decode_mac_key(std::string_view text) {
  text = core::trim(text);
  if (text.empty()) return fail(Errc::InvalidArgument, "the EAB MAC key is empty");
  if (text.size() > kMaxMacKeyText) return fail(Errc::InvalidArgument, "the EAB MAC key is too long");
  // Map the standard alphabet onto base64url and drop the padding: the bytes are the same.
  // The working copy lives in a Secret too, so it is wiped when freed.
  std::string chars(text);
  while (!chars.empty() && chars.back() == '=') chars.pop_back();
  for (char& c : chars) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  const core::Secret normalized(std::move(chars));
  auto decoded = core::base64url_decode(normalized.view());
  // The decoder's message says what is wrong with the encoding and never quotes the input.
  if (!decoded)
    return fail(Errc::InvalidArgument, "the EAB MAC key is not base64url: " + decoded.error().message());
  core::Secret key(std::move(*decoded));
  if (key.empty()) return fail(Errc::InvalidArgument, "the EAB MAC key is empty");
  return key;
}

core::Secret encode_mac_key(const core::Secret& raw_key) {
  return core::Secret(core::base64url_encode(raw_key.view()));
}

Result<void> check_binding(const ExternalAccountBinding& binding) {
  if (binding.key_id.empty()) return fail(Errc::InvalidArgument, "the EAB key id is empty");
  if (binding.key_id.size() > kMaxKeyIdLength)
    return fail(Errc::InvalidArgument, "the EAB key id is too long");
  for (char c : binding.key_id)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return fail(Errc::InvalidArgument, "the EAB key id contains a control character");
  if (binding.mac_key.empty()) return fail(Errc::InvalidArgument, "the EAB MAC key is empty");
  return {};
}

Result<std::string> sign_external_account_binding(const ExternalAccountBinding& binding,
                                                  std::string_view account_jwk, std::string_view url) {
  CERTKEEP_TRY(check_binding(binding));
  // RFC 8555 §7.3.4: a MAC algorithm, the CA's key id, the outer URL, and no nonce.
  const std::string protected_header = "{\"alg\":" + json_quote(to_string(binding.algorithm)) +
                                       ",\"kid\":" + json_quote(binding.key_id) +
                                       ",\"url\":" + json_quote(url) + "}";
  const std::string encoded_protected = core::base64url_encode(protected_header);
  const std::string encoded_payload = core::base64url_encode(account_jwk);
  const std::string mac = CERTKEEP_TRY(crypto::hmac(digest_of(binding.algorithm), binding.mac_key.view(),
                                                    encoded_protected + "." + encoded_payload));
  return "{\"protected\":\"" + encoded_protected + "\",\"payload\":\"" + encoded_payload +
         "\",\"signature\":\"" + core::base64url_encode(mac) + "\"}";
}

}  // namespace certkeep::acme
