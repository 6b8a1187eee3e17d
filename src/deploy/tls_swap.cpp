// SPDX-License-Identifier: Apache-2.0
// The certificate callback behind certkeep/openssl.hpp: the SSL_* calls that hand a snapshot to
// a handshake. All OpenSSL work that can fail (parsing, the key check) happens in
// crypto::load_serving_material when a snapshot is made, on the renewal path; the handshake
// path only loads a pointer and adds references.
#include "deploy/tls_swap.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "certkeep/openssl.hpp"
#include "core/result_macros.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/serving_material.hpp"
#include "crypto/tls_alpn.hpp"

namespace certkeep {

struct CertifiedKey::Native {
  crypto::X509Ptr certificate;
  crypto::PrivateKey key;
  std::shared_ptr<STACK_OF(X509)> chain;  // shared by every snapshot with the same intermediates
};

namespace {

using SharedChain = std::shared_ptr<STACK_OF(X509)>;

// The intermediates of one CA are the same for all its certificates, and a parsed X509 costs
// ~5 KiB: snapshots share one parsed chain per distinct chain PEM (a serve-all cache of 10,000
// certificates from a few CAs holds a few chains, not 10,000). Entries are weak: a chain no
// snapshot uses any more is freed, and expired entries are swept as the map grows. The stack
// is never modified after parsing; SSL_use_cert_and_key copies it with new references, so
// handshakes may share it.
class SharedChains {
 public:
  SharedChain find(std::string_view pem) {
    std::lock_guard lock(mutex_);
    auto found = chains_.find(pem);
    return found == chains_.end() ? nullptr : found->second.lock();
  }
  SharedChain add(std::string_view pem, crypto::X509StackPtr parsed) {
    SharedChain chain(std::move(parsed));
    std::lock_guard lock(mutex_);
    if (chains_.size() >= sweep_at_) {
      std::erase_if(chains_, [](const auto& entry) { return entry.second.expired(); });
      sweep_at_ = std::max<std::size_t>(64, 2 * chains_.size());
    }
    auto [slot, inserted] = chains_.try_emplace(std::string(pem), chain);
    if (!inserted) {
      if (SharedChain existing = slot->second.lock()) return existing;  // another thread was first
      slot->second = chain;
    }
    return chain;
  }

 private:
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<STACK_OF(X509)>, TextHash, std::equal_to<>> chains_;
  std::size_t sweep_at_ = 64;
};

SharedChains& shared_chains() {
  static SharedChains chains;  // process-wide, like OpenSSL's own caches
  return chains;
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
    crypto::clear_openssl_errors();
    return 0;
  }
  return 1;
}

constexpr unsigned char kAcmeTlsWire[] = "\x0a"
                                         "acme-tls/1";

int select_acme_tls(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                    unsigned int in_length, void*) noexcept {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kAcmeTlsWire, sizeof kAcmeTlsWire - 1, in, in_length) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// The context a validation handshake is moved to: it selects "acme-tls/1" and has no
// certificate of its own (the validation certificate is set on the SSL). Made once, never freed.
SSL_CTX* validation_context() noexcept {
  static SSL_CTX* const context = [] {
    SSL_CTX* made = SSL_CTX_new(TLS_server_method());
    if (made == nullptr) return made;
    SSL_CTX_set_min_proto_version(made, TLS1_2_VERSION);  // RFC 8737 §4
    SSL_CTX_set_options(made, SSL_OP_NO_TICKET);
    SSL_CTX_set_alpn_select_cb(made, select_acme_tls, nullptr);
    return made;
  }();
  return context;
}

// RFC 8737 §3: only a ClientHello that offers exactly "acme-tls/1" for a name with a pending
// validation gets the validation certificate; every other one continues untouched.
int watch_for_acme_tls(SSL* ssl, int* alert, void* arg) noexcept {
  const unsigned char* data = nullptr;
  std::size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data, &length) != 1 ||
      !crypto::offers_only_acme_tls({data, length}))
    return SSL_CLIENT_HELLO_SUCCESS;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &length) != 1)
    return SSL_CLIENT_HELLO_SUCCESS;
  const std::optional<std::string> name = crypto::sni_host_name({data, length});
  if (!name) return SSL_CLIENT_HELLO_SUCCESS;
  std::shared_ptr<const CertifiedKey> validation;
  try {
    validation = static_cast<const CertificateSource*>(arg)->acme_tls_alpn_certificate(*name);
  } catch (...) {
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  if (!validation || validation->native() == nullptr) return SSL_CLIENT_HELLO_SUCCESS;
  SSL_CTX* context = validation_context();
  const CertifiedKey::Native* native = validation->native();
  if (context == nullptr || SSL_set_SSL_CTX(ssl, context) != context ||
      SSL_use_cert_and_key(ssl, native->certificate.get(), native->key.handle(), nullptr, 1) != 1) {
    ERR_clear_error();
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

}  // namespace

namespace deploy {

Result<std::shared_ptr<const CertifiedKey>> make_certified_key(std::string lineage,
                                                               std::string_view certificate_pem,
                                                               std::string_view chain_pem,
                                                               std::string_view private_key_pem) {
  SharedChain chain = shared_chains().find(chain_pem);
  crypto::ServingMaterial material = CERTKEEP_TRY(
      crypto::load_serving_material(lineage, certificate_pem, chain ? std::string_view() : chain_pem, private_key_pem));
  if (!chain) chain = shared_chains().add(chain_pem, std::move(material.chain));
  crypto::CertificateInfo& info = material.info;
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
      CertifiedKey::Native{std::move(material.certificate), std::move(material.key), std::move(chain)});
  return std::make_shared<const CertifiedKey>(std::move(facts), std::move(native));
}

}  // namespace deploy

Result<void> use_certificate_source(SSL_CTX* ctx, const CertificateSource& source) {
  if (ctx == nullptr) return fail(Errc::InvalidArgument, "use_certificate_source: null SSL_CTX");
  // OpenSSL's callback argument is non-const; the callback only reads through it.
  SSL_CTX_set_cert_cb(ctx, select_certificate, const_cast<CertificateSource*>(&source));
  if (source.answers_acme_tls_alpn()) {
    if (validation_context() == nullptr)
      return fail(crypto::openssl_error(Errc::Crypto, "use_certificate_source: TLS-ALPN-01 context"));
    SSL_CTX_set_client_hello_cb(ctx, watch_for_acme_tls, const_cast<CertificateSource*>(&source));
  }
  return {};
}

Result<void> use_certified_key(SSL* ssl, const CertifiedKey& key) {
  const CertifiedKey::Native* native = key.native();
  if (ssl == nullptr || native == nullptr)
    return fail(Errc::InvalidArgument, "use_certified_key: null SSL or snapshot");
  if (SSL_use_cert_and_key(ssl, native->certificate.get(), native->key.handle(), native->chain.get(), 1) != 1)
    return fail(crypto::openssl_error(Errc::Crypto, "SSL_use_cert_and_key " + key.serial()));
  return {};
}

CertifiedKeyObjects openssl_objects(const CertifiedKey& key) noexcept {
  const CertifiedKey::Native* native = key.native();
  if (native == nullptr) return {};
  return {native->certificate.get(), native->key.handle(), native->chain.get()};
}

}  // namespace certkeep
