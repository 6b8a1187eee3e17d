// SPDX-License-Identifier: Apache-2.0
// TlsAlpnResponder: the Manager's TLS-ALPN-01 solver (RFC 8737). It keeps a validation
// certificate per pending name, ready for the TLS helper (use_managed_certificates) to serve
// on the terminator's own port 443 to handshakes that offer exactly ALPN "acme-tls/1".
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "certkeep/certified_key.hpp"
#include "challenge/independent_solver.hpp"

namespace certkeep::lifecycle {

// Thread-safe; certificate() never blocks on present() or cleanup() longer than a map lookup.
class TlsAlpnResponder final : public challenge::IndependentSolver {
 public:
  ChallengeType type() const noexcept override { return ChallengeType::TlsAlpn01; }
  // The validation certificate of a pending challenge for `server_name` (lowercase), or nullptr.
  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const;
  std::size_t pending() const;

 protected:
  // Errc::InvalidArgument for a malformed token or key authorization; Errc::Crypto when the
  // certificate cannot be made.
  Result<void> present_one(const Challenge& challenge) override;
  // Forgets the name's validation when it is still this challenge's.
  void cleanup_one(const Challenge& challenge) noexcept override;

 private:
  struct Pending {
    std::string token;
    std::shared_ptr<const CertifiedKey> certificate;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Pending, std::less<>> pending_;  // identifier → validation
};

}  // namespace certkeep::lifecycle
