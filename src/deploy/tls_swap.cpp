// SPDX-License-Identifier: Apache-2.0
// The certificate callback and the snapshot parsing behind certkeep/openssl.hpp. All OpenSSL
// work that can fail (parsing, the key check) happens when a snapshot is made, on the renewal
// path; the handshake path only loads a pointer and adds references.
#include "deploy/tls_swap.hpp"

#include <limits>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "certkeep/openssl.hpp"
#include "core/result_macros.hpp"
#include "crypto/certificate.hpp"
#include "crypto/openssl_handles.hpp"
#include "crypto/private_key.hpp"

namespace certkeep {

struct CertifiedKey::Native {
  crypto::X509Ptr certificate;
  crypto::PrivateKey key;
  crypto::X509StackPtr chain;
};

namespace {

// OpenSSL's oldest queued reason, and an empty queue, so a later failure never reports it.
Error openssl_failure(Errc code, std::string what) {
  const unsigned long reason = ERR_get_error();
  ERR_clear_error();
  if (reason != 0) {
    char text[256];
    ERR_error_string_n(reason, text, sizeof text);
    what += std::string(": ") + text;
  }
  return Error(code, std::move(what));
}

Result<crypto::X509Ptr> parse_one(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return fail(Errc::Protocol, "certificate PEM too large");
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(openssl_failure(Errc::Crypto, "BIO_new_mem_buf"));
  crypto::X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) return fail(openssl_failure(Errc::Protocol, "certificate PEM does not parse"));
  return certificate;
}

Result<crypto::X509StackPtr> parse_chain(std::string_view chain_pem) {
  crypto::X509StackPtr chain(sk_X509_new_null());
  if (!chain) return fail(openssl_failure(Errc::Crypto, "sk_X509_new_null"));
  if (chain_pem.find("-----BEGIN") == std::string_view::npos) return chain;  // no intermediates
  std::vector<std::string> blocks = CERTKEEP_TRY(crypto::split_pem_chain(chain_pem));
  for (const std::string& block : blocks) {
    crypto::X509Ptr certificate = CERTKEEP_TRY(parse_one(block));
    if (sk_X509_push(chain.get(), certificate.get()) == 0)
      return fail(openssl_failure(Errc::Crypto, "sk_X509_push"));
    (void)certificate.release();  // the stack owns it now
  }
  return chain;
}

// Runs inside the handshake (SSL_CTX_set_cert_cb), after the ClientHello and its SNI are
// parsed. 1 continues the handshake; 0 aborts it with an internal_error alert.
int select_certificate(SSL* ssl, void* arg) noexcept {
  const auto* source = static_cast<const CertificateSource*>(arg);
  const char* server_name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  std::shared_ptr<const CertifiedKey> key;
  try {
    key = source->certificate(server_name != nullptr ? server_name : "");
  } catch (...) {  // nothing may unwind through OpenSSL's C frames
    return 0;
  }
  if (!key) return 1;  // the SSL_CTX's own certificate, if it has one
  const CertifiedKey::Native* native = key->native();
  if (native == nullptr) return 0;
  // Override 1: replace whatever the SSL_CTX gave this SSL. The SSL takes its own references,
  // so this handshake keeps the snapshot even if it is replaced and freed meanwhile.
  if (SSL_use_cert_and_key(ssl, native->certificate.get(), native->key.handle(), native->chain.get(), 1) !=
      1) {
    ERR_clear_error();
    return 0;
  }
  return 1;
}

}  // namespace

namespace deploy {

Result<std::shared_ptr<const CertifiedKey>> make_certified_key(std::string lineage,
                                                               std::string_view certificate_pem,
                                                               std::string_view chain_pem,
                                                               std::string_view private_key_pem) {
  crypto::CertificateInfo info = CERTKEEP_TRY(crypto::inspect_certificate(certificate_pem));
  crypto::X509Ptr certificate = CERTKEEP_TRY(parse_one(certificate_pem));
  crypto::X509StackPtr chain = CERTKEEP_TRY(parse_chain(chain_pem));
  crypto::PrivateKey key = CERTKEEP_TRY(crypto::PrivateKey::from_pem(private_key_pem));
  if (X509_check_private_key(certificate.get(), key.handle()) != 1)
    return fail(openssl_failure(Errc::Crypto,
                                lineage + ": private key does not match certificate " + info.serial_hex));

  CertifiedKey::Facts facts;
  facts.lineage = std::move(lineage);
  facts.names = info.dns_names.empty() && !info.subject_cn.empty() ? std::vector<std::string>{info.subject_cn}
                                                                   : std::move(info.dns_names);
  facts.serial = std::move(info.serial_hex);
  facts.issuer = std::move(info.issuer_cn);
  facts.not_before = info.not_before;
  facts.not_after = info.not_after;
  facts.certificate_pem = std::string(certificate_pem);
  facts.chain_pem = std::string(chain_pem);
  auto native = std::make_shared<const CertifiedKey::Native>(
      CertifiedKey::Native{std::move(certificate), std::move(key), std::move(chain)});
  return std::make_shared<const CertifiedKey>(std::move(facts), std::move(native));
}

}  // namespace deploy

Result<void> use_certificate_source(SSL_CTX* ctx, const CertificateSource& source) {
  if (ctx == nullptr) return fail(Errc::InvalidArgument, "use_certificate_source: null SSL_CTX");
  // OpenSSL's callback argument is non-const; the callback only reads through it.
  SSL_CTX_set_cert_cb(ctx, select_certificate, const_cast<CertificateSource*>(&source));
  return {};
}

Result<void> use_certified_key(SSL* ssl, const CertifiedKey& key) {
  const CertifiedKey::Native* native = key.native();
  if (ssl == nullptr || native == nullptr)
    return fail(Errc::InvalidArgument, "use_certified_key: null SSL or snapshot");
  if (SSL_use_cert_and_key(ssl, native->certificate.get(), native->key.handle(), native->chain.get(), 1) != 1)
    return fail(openssl_failure(Errc::Crypto, "SSL_use_cert_and_key " + key.serial()));
  return {};
}

CertifiedKeyObjects openssl_objects(const CertifiedKey& key) noexcept {
  const CertifiedKey::Native* native = key.native();
  if (native == nullptr) return {};
  return {native->certificate.get(), native->key.handle(), native->chain.get()};
}

}  // namespace certkeep
