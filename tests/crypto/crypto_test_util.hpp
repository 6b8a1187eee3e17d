// SPDX-License-Identifier: Apache-2.0
// Helpers for the crypto tests: cached keys (RSA generation is slow), and independent checks
// done with OpenSSL directly, so the tests do not trust the code they test.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certkeep/key_type.hpp"
#include "crypto/openssl_handles.hpp"
#include "crypto/private_ca.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::crypto::test {

// One key per type for the whole test run: each is generated at most once.
inline const PrivateKey& cached_key(KeyType type) {
  static std::map<KeyType, PrivateKey> keys;
  auto it = keys.find(type);
  if (it == keys.end()) it = keys.emplace(type, PrivateKey::generate(type).value()).first;
  return it->second;
}

inline const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

inline X509Ptr parse_certificate(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

inline X509ReqPtr parse_csr(std::string_view der) {
  const unsigned char* cursor = bytes_of(der);
  return X509ReqPtr(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der.size())));
}

// Verifies a JWS signature (RFC 7518 §3.3/§3.4) with OpenSSL: R||S is turned back into DER.
inline bool verify_jws_signature(const PrivateKey& key, std::string_view alg, std::string_view signing_input,
                                 std::string_view signature) {
  std::string der(signature);
  const EVP_MD* digest = alg == "ES384" ? EVP_sha384() : EVP_sha256();
  if (alg == "ES256" || alg == "ES384") {
    std::size_t half = alg == "ES256" ? 32 : 48;
    if (signature.size() != 2 * half) return false;
    EcdsaSigPtr ecdsa(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(bytes_of(signature), static_cast<int>(half), nullptr);
    BIGNUM* s = BN_bin2bn(bytes_of(signature) + half, static_cast<int>(half), nullptr);
    if (ECDSA_SIG_set0(ecdsa.get(), r, s) != 1) return false;  // takes r and s
    unsigned char* encoded = nullptr;
    int length = i2d_ECDSA_SIG(ecdsa.get(), &encoded);
    if (length <= 0) return false;
    der.assign(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(length));
    OPENSSL_free(encoded);
  }
  // Verify with the public half only, as an ACME server would.
  std::string spki = key.public_key_der();
  const unsigned char* cursor = bytes_of(spki);
  EvpPkeyPtr public_key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(spki.size())));
  EvpMdCtxPtr context(EVP_MD_CTX_new());
  if (!public_key || EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, public_key.get()) != 1)
    return false;
  return EVP_DigestVerify(context.get(), bytes_of(der), der.size(), bytes_of(signing_input),
                          signing_input.size()) == 1;
}

// An intermediate CA signed by `root` (the crypto API only makes roots), built with OpenSSL.
inline CaMaterial make_intermediate(const CaMaterial& root, const char* common_name) {
  PrivateKey key = PrivateKey::generate(KeyType::EcdsaP256).value();
  X509Ptr issuer = parse_certificate(root.cert_pem);
  X509Ptr certificate(X509_new());
  X509_set_version(certificate.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 4242);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 30L * 24 * 3600);
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, bytes_of(common_name), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), X509_get_subject_name(issuer.get()));
  X509_set_pubkey(certificate.get(), key.handle());
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer.get(), certificate.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
    X509_add_ext(certificate.get(), extension.get(), -1);
  }
  X509_sign(certificate.get(), root.key.handle(), EVP_sha256());
  BioPtr out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), certificate.get());
  BUF_MEM* memory = nullptr;
  BIO_get_mem_ptr(out.get(), &memory);
  return CaMaterial{std::move(key), std::string(memory->data, memory->length)};
}

}  // namespace certkeep::crypto::test
