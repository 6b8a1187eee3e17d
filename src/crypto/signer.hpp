// SPDX-License-Identifier: Apache-2.0
// Signer: what JWS needs from an account key: its "alg", its JWK and raw signatures.
#pragma once

#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::crypto {

class Signer {
 public:
  // ES256 for P-256, ES384 for P-384, RS256 for RSA keys. Errc::Crypto if OpenSSL fails.
  static Result<Signer> create(PrivateKey key);

  const std::string& alg() const noexcept { return alg_; }
  // The public JWK in RFC 7638 canonical form: required members only, lexicographic order,
  // no white space, e.g. {"crv":"P-256","kty":"EC","x":"…","y":"…"}. Valid JSON to embed.
  const std::string& jwk_json() const noexcept { return jwk_json_; }
  // base64url(SHA-256(jwk_json())) (RFC 7638), used in HTTP-01 key authorizations.
  const std::string& thumbprint() const noexcept { return thumbprint_; }
  // The JWS signature bytes over `signing_input` (RFC 7518 §3.4: ECDSA as fixed-size R||S).
  Result<std::string> sign(std::string_view signing_input) const;
  const PrivateKey& key() const noexcept { return key_; }

 private:
  Signer(PrivateKey key, std::string alg, std::string jwk, std::string thumbprint)
      : key_(std::move(key)),
        alg_(std::move(alg)),
        jwk_json_(std::move(jwk)),
        thumbprint_(std::move(thumbprint)) {}
  PrivateKey key_;
  std::string alg_;
  std::string jwk_json_;
  std::string thumbprint_;
};

}  // namespace certkeep::crypto
