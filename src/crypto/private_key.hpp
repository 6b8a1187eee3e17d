// SPDX-License-Identifier: Apache-2.0
// PrivateKey: an owned OpenSSL key (EC P-256/P-384 or RSA), with PEM in and out.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "certkeep/key_type.hpp"
#include "certkeep/result.hpp"
#include "core/secret.hpp"

struct evp_pkey_st;

namespace certkeep::crypto {

// Immutable and cheap to copy (shares the EVP_PKEY). Thread-safe for concurrent use.
class PrivateKey {
 public:
  // Errc::Crypto if OpenSSL fails.
  static Result<PrivateKey> generate(KeyType type);
  // Accepts PKCS#8 or traditional PEM of a supported type (the first key block in `pem`).
  // Errc::Crypto on anything else: garbage, an encrypted key (never prompts for a passphrase),
  // another algorithm or curve, an RSA size other than 2048/3072/4096.
  static Result<PrivateKey> from_pem(std::string_view pem);

  // An RSA key from its components, each big-endian bytes (a JWK's n, e, d, p, q, dp, dq, qi
  // decoded: certbot keeps its account keys so). Errc::Crypto when they do not make a
  // supported RSA key.
  struct RsaComponents {
    std::string n, e, d, p, q, dp, dq, qi;
  };
  static Result<PrivateKey> from_rsa_components(const RsaComponents& components);

  // Unencrypted PKCS#8 PEM.
  Result<core::Secret> to_pem() const;
  KeyType type() const noexcept { return type_; }
  // DER SubjectPublicKeyInfo: equal for a key and the certificate made for it. Empty only if
  // OpenSSL cannot encode the key.
  std::string public_key_der() const;
  // Whether both hold the same public key (no encoding: cheaper than public_key_der).
  bool same_public_key(const PrivateKey& other) const;

  evp_pkey_st* handle() const noexcept { return key_.get(); }

 private:
  PrivateKey(std::shared_ptr<evp_pkey_st> key, KeyType type) : key_(std::move(key)), type_(type) {}
  std::shared_ptr<evp_pkey_st> key_;
  KeyType type_;
};

}  // namespace certkeep::crypto
