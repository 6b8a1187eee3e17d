// SPDX-License-Identifier: Apache-2.0
// OpenSSL glue for terminators: serve the Manager's current certificates to every handshake
// of an SSL_CTX. The one public header with OpenSSL types.
#pragma once

#include <openssl/ssl.h>

#include "certkeep/certified_key.hpp"
#include "certkeep/manager.hpp"
#include "certkeep/result.hpp"

namespace certkeep {

// Installs an SSL_CTX_set_cert_cb callback (replacing any earlier one) that, on every
// handshake, picks source.certificate(SNI name, or "" when the client sent none) and sets its
// certificate, key and chain on that SSL (SSL_use_cert_and_key; reference counts only, no
// copies, no lock). A handshake keeps the snapshot it started with; the next handshake sees a
// renewed certificate at once. When the source has nothing for the name, the SSL keeps what
// the SSL_CTX was configured with (a fallback certificate, if any, else the handshake fails).
//
// When source.answers_acme_tls_alpn() (a Manager with TLS-ALPN-01), it also installs a
// ClientHello callback (replacing any earlier one): a ClientHello that offers exactly ALPN
// "acme-tls/1" for a name with a pending validation is moved to certkeep's own validation
// context (SSL_set_SSL_CTX), which selects "acme-tls/1" and presents the validation
// certificate. Every other handshake — other ALPN values, no ALPN, unknown names — continues
// untouched with ctx's own callbacks, ALPN selection and certificates.
// `source` must outlive `ctx`. Errc::InvalidArgument for a null ctx.
Result<void> use_certificate_source(SSL_CTX* ctx, const CertificateSource& source);

// The same for a Manager, the usual source. `manager` must outlive `ctx`.
inline Result<void> use_managed_certificates(SSL_CTX* ctx, const Manager& manager) {
  return use_certificate_source(ctx, manager);
}

// Sets one snapshot's certificate, key and chain on `ssl`, for terminators that choose the
// certificate themselves (e.g. from their own SNI callback). Errc::Crypto when OpenSSL
// refuses it.
Result<void> use_certified_key(SSL* ssl, const CertifiedKey& key);

// A snapshot's pre-parsed objects, borrowed: valid while the snapshot lives; never free or
// modify them (SSL_use_* functions take their own references).
struct CertifiedKeyObjects {
  X509* certificate = nullptr;
  EVP_PKEY* private_key = nullptr;
  STACK_OF(X509) * chain = nullptr;  // may be empty, never null
};
CertifiedKeyObjects openssl_objects(const CertifiedKey& key) noexcept;

}  // namespace certkeep
