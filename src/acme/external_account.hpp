// SPDX-License-Identifier: Apache-2.0
// External Account Binding (RFC 8555 §7.3.4): the MAC-signed inner JWS a CA that requires it
// (ZeroSSL, Google Trust Services, SSL.com, step-ca with EAB, …) wants in newAccount, binding
// the new ACME account key to the account the operator has with the CA.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "core/secret.hpp"

namespace certkeep::acme {

// The JWS "alg" of the binding (RFC 7518 §3.2). HS256 is what every CA hands out keys for.
enum class MacAlgorithm { Hs256, Hs384, Hs512 };
// "HS256", "HS384", "HS512".
std::string_view to_string(MacAlgorithm algorithm) noexcept;
// "hs256"/"HS256", …; nullopt for anything else.
std::optional<MacAlgorithm> parse_mac_algorithm(std::string_view text) noexcept;

struct ExternalAccountBinding {
  std::string key_id;    // the CA's "kid" for the MAC key
  core::Secret mac_key;  // the raw key bytes (decode_mac_key); never logged or printed
  MacAlgorithm algorithm = MacAlgorithm::Hs256;
};

// The MAC key as CAs hand it out: base64url without padding (RFC 8555 §7.3.4). Padding and
// the standard base64 alphabet ('+', '/') are accepted too, and surrounding white space (a
// key file's newline) is ignored. Errc::InvalidArgument for anything else or an empty key;
// the message never contains the key.
Result<core::Secret> decode_mac_key(std::string_view text);
// The key in the form Pebble and CAs hand it out (unpadded base64url), for storage.
core::Secret encode_mac_key(const core::Secret& raw_key);

// Errc::InvalidArgument for an empty or overlong key id or an empty key.
Result<void> check_binding(const ExternalAccountBinding& binding);

// The "externalAccountBinding" value for a newAccount request to `url` whose account key's
// public JWK is `account_jwk` (RFC 7638 form): a flattened JWS with protected header
// {"alg","kid","url"} and no nonce, over the JWK, MACed with the binding's key.
Result<std::string> sign_external_account_binding(const ExternalAccountBinding& binding,
                                                  std::string_view account_jwk, std::string_view url);

}  // namespace certkeep::acme
