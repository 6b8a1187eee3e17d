// SPDX-License-Identifier: Apache-2.0
#include "challenge/tls_alpn_responder.hpp"

#include <map>
#include <mutex>

#include "challenge/responder_port.hpp"
#include "challenge/tls_alpn_server.hpp"
#include "challenge/token.hpp"
#include "core/result_macros.hpp"
#include "crypto/tls_alpn.hpp"

namespace certkeep::challenge {

namespace {

struct Pending {
  // Read when a challenge is cleaned up (only that token's entry goes); cppcheck misses the read
  // through the map's iterator.
  // cppcheck-suppress unusedStructMember
  std::string token;
  std::shared_ptr<const ValidationMaterial> material;
};

class TlsAlpnSolverImpl final : public TlsAlpnSolver {
 public:
  TlsAlpnSolverImpl(ListenAddress address, TlsAlpnResponderOptions options)
      : options_(std::move(options)),
        port_(ResponderPortOptions{"TLS-ALPN-01", "tls-alpn-port", std::move(address), options_.port_lock_dir,
                                   options_.port_lock_wait, options_.max_connections}) {}

  ~TlsAlpnSolverImpl() override {
    std::lock_guard lock(lifecycle_mutex_);
    port_.close();  // the server thread reads pending_: stopped first
  }

  int port() const noexcept override { return port_.port(); }

 protected:
  Result<void> present_one(const Challenge& challenge) override {
    CERTKEEP_TRY(check_http01_challenge(challenge));  // the same token grammar (RFC 8737 §3)
    const crypto::TlsAlpnCertificate made =
        CERTKEEP_TRY(crypto::make_tls_alpn_certificate(challenge.identifier, challenge.key_authorization));
    std::shared_ptr<const ValidationMaterial> material =
        CERTKEEP_TRY(load_validation_material(made.cert_pem, made.key_pem.view()));
    std::lock_guard lock(lifecycle_mutex_);
    CERTKEEP_TRY(port_.open([this](SocketFd listener) {
      return serve_tls_alpn(std::move(listener), TlsServerLimits{options_.max_connections, options_.handshake_timeout},
                            [this](std::string_view name) { return lookup(name); });
    }));
    std::lock_guard pending_lock(pending_mutex_);
    pending_.insert_or_assign(challenge.identifier, Pending{challenge.token, std::move(material)});
    return {};
  }

  void cleanup_one(const Challenge& challenge) noexcept override {
    std::lock_guard lock(lifecycle_mutex_);
    bool empty = false;
    {
      std::lock_guard pending_lock(pending_mutex_);
      // Only this challenge's validation: another order may have presented the name since.
      if (auto it = pending_.find(challenge.identifier); it != pending_.end() && it->second.token == challenge.token)
        pending_.erase(it);
      empty = pending_.empty();
    }
    if (empty) port_.close();
  }

 private:
  std::shared_ptr<const ValidationMaterial> lookup(std::string_view name) const {
    std::lock_guard lock(pending_mutex_);
    auto it = pending_.find(name);
    return it == pending_.end() ? nullptr : it->second.material;
  }

  const TlsAlpnResponderOptions options_;
  mutable std::mutex pending_mutex_;  // pending_, read by the server thread
  std::map<std::string, Pending, std::less<>> pending_;
  std::mutex lifecycle_mutex_;  // port_: start and stop never race
  ResponderPort port_;
};

}  // namespace

Result<std::unique_ptr<TlsAlpnSolver>> TlsAlpnSolver::create(TlsAlpnResponderOptions options) {
  ListenAddress address = CERTKEEP_TRY(parse_listen_address(options.listen));
  if (options.max_connections == 0)
    return fail(Errc::InvalidArgument, "TLS-ALPN-01 responder: max_connections must be at least 1");
  if (options.handshake_timeout <= std::chrono::milliseconds::zero())
    return fail(Errc::InvalidArgument, "TLS-ALPN-01 responder: handshake_timeout must be positive");
  return std::unique_ptr<TlsAlpnSolver>(std::make_unique<TlsAlpnSolverImpl>(std::move(address), std::move(options)));
}

}  // namespace certkeep::challenge
