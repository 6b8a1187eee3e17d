// SPDX-License-Identifier: Apache-2.0
// CertifiedKey: one immutable snapshot of a certificate as it is served (leaf, chain, facts,
// and the key already parsed for the TLS library), and CertificateSource, what a TLS
// handshake asks for one by server name.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certkeep {

// Immutable after construction, so any number of threads may read one at once; hold it by
// std::shared_ptr<const CertifiedKey> for as long as it is needed. A renewal never changes a
// snapshot: it publishes a new one.
class CertifiedKey {
 public:
  // The pre-parsed TLS objects (certificate, private key, chain). Opaque here; the OpenSSL
  // view is in certkeep/openssl.hpp. Only the library creates them.
  struct Native;

  struct Facts {
    std::string lineage;             // the lineage this certificate belongs to
    std::vector<std::string> names;  // DNS names the certificate is valid for (SAN order)
    std::string serial;              // uppercase hex, no separators
    std::string issuer;              // issuer common name
    std::chrono::system_clock::time_point not_before;
    std::chrono::system_clock::time_point not_after;
    std::string certificate_pem;  // the leaf
    std::string chain_pem;        // intermediates, may be empty
  };

  CertifiedKey(Facts facts, std::shared_ptr<const Native> native)
      : facts_(std::move(facts)), native_(std::move(native)) {}

  const std::string& lineage() const noexcept { return facts_.lineage; }
  const std::vector<std::string>& names() const noexcept { return facts_.names; }
  const std::string& serial() const noexcept { return facts_.serial; }
  const std::string& issuer() const noexcept { return facts_.issuer; }
  std::chrono::system_clock::time_point not_before() const noexcept { return facts_.not_before; }
  std::chrono::system_clock::time_point not_after() const noexcept { return facts_.not_after; }
  const std::string& certificate_pem() const noexcept { return facts_.certificate_pem; }
  const std::string& chain_pem() const noexcept { return facts_.chain_pem; }
  // Leaf followed by the chain: the "fullchain.pem" text.
  std::string full_chain_pem() const { return facts_.certificate_pem + facts_.chain_pem; }

  // Never null for a snapshot made by the library.
  const Native* native() const noexcept { return native_.get(); }

 private:
  Facts facts_;
  std::shared_ptr<const Native> native_;
};

// Where a TLS handshake gets its certificate. Implementations are safe to call from any
// thread at any time and never block on I/O or on a renewal. The Manager is one.
class CertificateSource {
 public:
  virtual ~CertificateSource() = default;
  // The snapshot for `server_name` (the SNI name, any case, a trailing dot ignored): an exact
  // name first, then a wildcard for its first label ("*.example.com" for "a.example.com"),
  // else nullptr. An empty name (a client that sent no SNI) gets the default certificate,
  // or nullptr when there is none.
  virtual std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const = 0;

  // TLS-ALPN-01 (RFC 8737): true when this source may have validation certificates to serve,
  // so use_certificate_source() also watches for "acme-tls/1" handshakes. Default: false.
  virtual bool answers_acme_tls_alpn() const noexcept { return false; }
  // The validation certificate for `server_name` (lowercase SNI name) while a TLS-ALPN-01
  // challenge for it is pending, else nullptr. Only handshakes that offer exactly ALPN
  // "acme-tls/1" ever get it. Default: none.
  virtual std::shared_ptr<const CertifiedKey> acme_tls_alpn_certificate(std::string_view server_name) const {
    (void)server_name;
    return nullptr;
  }
};

}  // namespace certkeep
