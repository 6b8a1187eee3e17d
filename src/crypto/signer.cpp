// SPDX-License-Identifier: Apache-2.0
#include "crypto/signer.hpp"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>

#include "core/base64url.hpp"
#include "core/result_macros.hpp"
#include "crypto/jwk.hpp"
#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

namespace {

// RFC 7518 §6.2.1.2/§6.2.1.3 and §3.4: EC coordinates and ECDSA's R and S are fixed-size,
// the curve's field size in bytes.
std::size_t field_bytes(KeyType type) { return type == KeyType::EcdsaP384 ? 48 : 32; }
bool is_ec(KeyType type) { return type == KeyType::EcdsaP256 || type == KeyType::EcdsaP384; }

Result<BignumPtr> bignum_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1)
    return fail(openssl_error(Errc::Crypto, std::string("read key parameter ") + name));
  return BignumPtr(raw);
}

// `padded_size` 0 means minimal big-endian bytes (RFC 7518 §6.3.1: "n" and "e" carry no
// leading zero octets).
Result<std::string> bignum_base64url(const BIGNUM* number, std::size_t padded_size) {
  std::size_t size = padded_size != 0 ? padded_size : static_cast<std::size_t>(BN_num_bytes(number));
  std::string bytes(size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(bytes.data());
  int written = padded_size != 0 ? BN_bn2binpad(number, out, static_cast<int>(size)) : BN_bn2bin(number, out);
  if (written < 0 || static_cast<std::size_t>(written) != size)
    return fail(openssl_error(Errc::Crypto, "encode key parameter"));
  return core::base64url_encode(bytes);
}

// RFC 7638 §3.2: required members only, in lexicographic order, no white space.
Result<std::string> canonical_jwk(const PrivateKey& key) {
  const EVP_PKEY* pkey = key.handle();
  if (is_ec(key.type())) {
    BignumPtr x = CERTKEEP_TRY(bignum_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X));
    BignumPtr y = CERTKEEP_TRY(bignum_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y));
    std::size_t size = field_bytes(key.type());
    std::string x64 = CERTKEEP_TRY(bignum_base64url(x.get(), size));
    std::string y64 = CERTKEEP_TRY(bignum_base64url(y.get(), size));
    const char* curve = key.type() == KeyType::EcdsaP384 ? "P-384" : "P-256";
    // Appended in place: GCC 12 misreads a chain of operator+ on a literal (-Warray-bounds).
    std::string jwk;
    jwk.append("{\"crv\":\"").append(curve).append("\",\"kty\":\"EC\",\"x\":\"").append(x64);
    jwk.append("\",\"y\":\"").append(y64).append("\"}");
    return jwk;
  }
  BignumPtr n = CERTKEEP_TRY(bignum_param(pkey, OSSL_PKEY_PARAM_RSA_N));
  BignumPtr e = CERTKEEP_TRY(bignum_param(pkey, OSSL_PKEY_PARAM_RSA_E));
  std::string n64 = CERTKEEP_TRY(bignum_base64url(n.get(), 0));
  std::string e64 = CERTKEEP_TRY(bignum_base64url(e.get(), 0));
  std::string jwk;
  jwk.append("{\"e\":\"").append(e64).append("\",\"kty\":\"RSA\",\"n\":\"").append(n64).append("\"}");
  return jwk;
}

const char* alg_for(KeyType type) {
  switch (type) {
    case KeyType::EcdsaP256: return "ES256";
    case KeyType::EcdsaP384: return "ES384";
    default: return "RS256";
  }
}

// RFC 7518 §3.4: ES256/ES384 want R and S as fixed-size big-endian integers, concatenated,
// where OpenSSL produces a DER ECDSA-Sig-Value.
Result<std::string> der_to_raw_ecdsa(std::string_view der, std::size_t size) {
  const unsigned char* cursor = as_bytes(der);
  EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!signature) return fail(openssl_error(Errc::Crypto, "decode ECDSA signature"));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(signature.get(), &r, &s);
  std::string raw(2 * size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, static_cast<int>(size)) != static_cast<int>(size) ||
      BN_bn2binpad(s, out + size, static_cast<int>(size)) != static_cast<int>(size))
    return fail(openssl_error(Errc::Crypto, "encode ECDSA signature"));
  return raw;
}

}  // namespace

Result<Signer> Signer::create(PrivateKey key) {
  if (key.handle() == nullptr) return fail(Errc::InvalidArgument, "signer: no key");
  std::string jwk = CERTKEEP_TRY(canonical_jwk(key));
  std::string thumbprint = jwk_thumbprint(jwk);
  std::string alg = alg_for(key.type());
  return Signer(std::move(key), std::move(alg), std::move(jwk), std::move(thumbprint));
}

Result<std::string> Signer::sign(std::string_view signing_input) const {
  // ES256 and RS256 hash with SHA-256, ES384 with SHA-384 (RFC 7518 §3.1).
  const EVP_MD* digest = key_.type() == KeyType::EcdsaP384 ? EVP_sha384() : EVP_sha256();
  EvpMdCtxPtr context(EVP_MD_CTX_new());
  if (!context || EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, key_.handle()) != 1)
    return fail(openssl_error(Errc::Crypto, "sign: set up " + alg_));
  std::size_t length = 0;
  if (EVP_DigestSign(context.get(), nullptr, &length, as_bytes(signing_input), signing_input.size()) != 1)
    return fail(openssl_error(Errc::Crypto, "sign: size " + alg_ + " signature"));
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     as_bytes(signing_input), signing_input.size()) != 1)
    return fail(openssl_error(Errc::Crypto, "sign: " + alg_));
  signature.resize(length);
  if (is_ec(key_.type())) return der_to_raw_ecdsa(signature, field_bytes(key_.type()));
  return signature;
}

}  // namespace certkeep::crypto
