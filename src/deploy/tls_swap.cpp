// SPDX-License-Identifier: Apache-2.0
// The certificate callback behind certkeep/openssl.hpp: the SSL_* calls that hand a snapshot to
// a handshake. All OpenSSL work that can fail (parsing, the key check) happens in
// crypto::load_serving_material when a snapshot is made, on the renewal path; the handshake
// path only loads a pointer and adds references.
#include "deploy/tls_swap.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "certkeep/openssl.hpp"
#include "core/result_macros.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/serving_material.hpp"

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
