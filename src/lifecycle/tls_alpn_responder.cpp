// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/tls_alpn_responder.hpp"

#include "challenge/token.hpp"
#include "core/result_macros.hpp"
#include "crypto/tls_alpn.hpp"
#include "deploy/tls_swap.hpp"

namespace certkeep::lifecycle {

Result<void> TlsAlpnResponder::present_one(const Challenge& challenge) {
  CERTKEEP_TRY(challenge::check_http01_challenge(challenge));  // the same token grammar
  const crypto::TlsAlpnCertificate made =
      CERTKEEP_TRY(crypto::make_tls_alpn_certificate(challenge.identifier, challenge.key_authorization));
  std::shared_ptr<const CertifiedKey> snapshot = CERTKEEP_TRY(
      deploy::make_certified_key("tls-alpn-01 " + challenge.identifier, made.cert_pem, "", made.key_pem.view()));
  std::lock_guard lock(mutex_);
  pending_.insert_or_assign(challenge.identifier, Pending{challenge.token, std::move(snapshot)});
  return {};
}

void TlsAlpnResponder::cleanup_one(const Challenge& challenge) noexcept {
  std::lock_guard lock(mutex_);
  if (auto it = pending_.find(challenge.identifier); it != pending_.end() && it->second.token == challenge.token)
    pending_.erase(it);
}

std::shared_ptr<const CertifiedKey> TlsAlpnResponder::certificate(std::string_view server_name) const {
  std::lock_guard lock(mutex_);
  auto it = pending_.find(server_name);
  return it == pending_.end() ? nullptr : it->second.certificate;
}

std::size_t TlsAlpnResponder::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

}  // namespace certkeep::lifecycle
