// SPDX-License-Identifier: Apache-2.0
#include "challenge/tls_alpn_responder.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "challenge/listen_address.hpp"
#include "challenge/port_lock.hpp"
#include "challenge/tls_alpn_server.hpp"
#include "challenge/token.hpp"
#include "core/log.hpp"
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
      : address_(std::move(address)), options_(std::move(options)) {}

  ~TlsAlpnSolverImpl() override {
    std::lock_guard lock(lifecycle_mutex_);
    stop_listening();
  }

  int port() const noexcept override { return port_.load(); }

 protected:
  Result<void> present_one(const Challenge& challenge) override {
    CERTKEEP_TRY(check_http01_challenge(challenge));  // the same token grammar (RFC 8737 §3)
    const crypto::TlsAlpnCertificate made =
        CERTKEEP_TRY(crypto::make_tls_alpn_certificate(challenge.identifier, challenge.key_authorization));
    std::shared_ptr<const ValidationMaterial> material =
        CERTKEEP_TRY(load_validation_material(made.cert_pem, made.key_pem.view()));
    std::lock_guard lock(lifecycle_mutex_);
    if (!server_) CERTKEEP_TRY(start_listening());
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
    if (empty) stop_listening();
  }

 private:
  std::shared_ptr<const ValidationMaterial> lookup(std::string_view name) const {
    std::lock_guard lock(pending_mutex_);
    auto it = pending_.find(name);
    return it == pending_.end() ? nullptr : it->second.material;
  }

  Result<void> start_listening() {
    const int backlog = static_cast<int>(std::clamp<std::size_t>(options_.max_connections, 16, SOMAXCONN));
    PortLock port_lock = CERTKEEP_TRY(take_port_lock());
    SocketFd listener = CERTKEEP_TRY(bind_listener(address_, backlog));
    const int bound_port = local_port(listener.get());
    server_ = CERTKEEP_TRY(serve_tls_alpn(
        std::move(listener), TlsServerLimits{options_.max_connections, options_.handshake_timeout},
        [this](std::string_view name) { return lookup(name); }));
    port_lock_ = std::move(port_lock);
    port_.store(bound_port);
    core::log::info("TLS-ALPN-01 responder listening on " + address_.to_string() +
                    (address_.port == 0 ? " (port " + std::to_string(bound_port) + ")" : ""));
    return {};
  }

  Result<PortLock> take_port_lock() {
    if (options_.port_lock_dir.empty() || address_.port == 0) return PortLock();
    const auto path = options_.port_lock_dir / ("tls-alpn-port-" + std::to_string(address_.port) + ".lock");
    auto lock = PortLock::acquire(path, std::chrono::milliseconds::zero());
    if (!lock && lock.error().code() == Errc::Busy) {
      core::log::info("TLS-ALPN-01 port " + std::to_string(address_.port) +
                      " is in use by another certkeep process; waiting for it");
      lock = PortLock::acquire(path, options_.port_lock_wait);
    }
    return lock;
  }

  void stop_listening() noexcept {
    if (!server_) return;
    server_.reset();
    port_lock_.release();
    port_.store(0);
    core::log::info("TLS-ALPN-01 responder on " + address_.to_string() + " stopped");
  }

  const ListenAddress address_;
  const TlsAlpnResponderOptions options_;
  mutable std::mutex pending_mutex_;  // pending_, read by the server thread
  std::map<std::string, Pending, std::less<>> pending_;
  std::mutex lifecycle_mutex_;  // server_: start and stop never race
  std::unique_ptr<PollServer> server_;
  PortLock port_lock_;
  std::atomic<int> port_{0};
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
