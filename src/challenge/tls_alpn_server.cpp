// SPDX-License-Identifier: Apache-2.0
#include "challenge/tls_alpn_server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "crypto/openssl_handles.hpp"
#include "crypto/serving_material.hpp"
#include "crypto/tls_alpn.hpp"

namespace certkeep::challenge {

struct ValidationMaterial {
  crypto::ServingMaterial material;
};

Result<std::shared_ptr<const ValidationMaterial>> load_validation_material(std::string_view cert_pem,
                                                                           std::string_view key_pem) {
  crypto::ServingMaterial material =
      CERTKEEP_TRY(crypto::load_serving_material("tls-alpn-01", cert_pem, "", key_pem));
  return std::make_shared<const ValidationMaterial>(ValidationMaterial{std::move(material)});
}

namespace {

// What the TLS context's callbacks read: the lookup of pending validations.
struct State {
  ValidationLookup lookup;
};

using SslPtr = crypto::OpenSslPtr<SSL, SSL_free>;

// A handshake step per readiness event: one SSL_do_handshake call reads what is there.
constexpr unsigned char kAcmeTlsWire[] = "\x0a"
                                         "acme-tls/1";

enum class TlsAlpnPhase { Handshake, Shutdown, Draining };

struct TlsAlpnConnection final : PolledConnection {
  TlsAlpnConnection(SocketFd socket, SslPtr tls, PollClock::time_point until)
      : PolledConnection(std::move(socket), until), ssl(std::move(tls)) {}
  SslPtr ssl;
  TlsAlpnPhase phase = TlsAlpnPhase::Handshake;
};

// RFC 8737 §3: a validation handshake offers exactly "acme-tls/1" and names a pending
// identifier; anything else is refused before a certificate is chosen.
int on_client_hello(SSL* ssl, int* alert, void* arg) noexcept {
  const auto* state = static_cast<const State*>(arg);
  const unsigned char* data = nullptr;
  std::size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data, &length) != 1 ||
      !crypto::offers_only_acme_tls({data, length})) {
    *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
    return SSL_CLIENT_HELLO_ERROR;
  }
  std::optional<std::string> name;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &length) == 1)
    name = crypto::sni_host_name({data, length});
  std::shared_ptr<const ValidationMaterial> validation;
  try {
    if (name) validation = state->lookup(*name);
  } catch (...) {  // nothing may unwind through OpenSSL's C frames
    validation.reset();
  }
  if (!validation) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  const crypto::ServingMaterial& material = validation->material;
  if (SSL_use_cert_and_key(ssl, material.certificate.get(), material.key.handle(), nullptr, 1) != 1) {
    ERR_clear_error();
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

int select_acme_tls(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                    unsigned int in_length, void*) noexcept {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kAcmeTlsWire, sizeof kAcmeTlsWire - 1, in, in_length) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Result<crypto::OpenSslPtr<SSL_CTX, SSL_CTX_free>> make_context(State& state) {
  crypto::OpenSslPtr<SSL_CTX, SSL_CTX_free> context(SSL_CTX_new(TLS_server_method()));
  // RFC 8737 §4: acme-tls/1 only over TLS 1.2 or later. No sessions: every validation is a
  // full handshake that presents the certificate.
  if (!context || SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION) != 1) {
    ERR_clear_error();
    return fail(Errc::Crypto, "TLS-ALPN-01 responder: cannot make a TLS context");
  }
  SSL_CTX_set_options(context.get(), SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(context.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_client_hello_cb(context.get(), on_client_hello, &state);
  SSL_CTX_set_alpn_select_cb(context.get(), select_acme_tls, nullptr);
  return context;
}

// Reads and drops what the client still sends after our close_notify, so close() does not
// turn unread bytes into a reset that could overtake the last record.
void drain(TlsAlpnConnection& c) {
  char buffer[4096];
  for (int reads = 0; reads < 16; ++reads) {
    const ssize_t n = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    c.fd.reset();  // EOF or an error: done
    return;
  }
}

// One step of the connection's TLS work; sets the events it waits for next or closes it.
void drive(TlsAlpnConnection& c, PollClock::time_point now, const TlsServerLimits& limits) {
  if (c.phase == TlsAlpnPhase::Draining) return drain(c);
  ERR_clear_error();  // SSL_get_error reads the thread's queue: no stale entries
  const int result =
      c.phase == TlsAlpnPhase::Handshake ? SSL_do_handshake(c.ssl.get()) : SSL_shutdown(c.ssl.get());
  if (result == 1 || (c.phase == TlsAlpnPhase::Shutdown && result == 0)) {
    if (c.phase == TlsAlpnPhase::Handshake) {
      core::log::debug("TLS-ALPN-01 responder: validation handshake for " +
                       std::string(SSL_get_servername(c.ssl.get(), TLSEXT_NAMETYPE_host_name) != nullptr
                                       ? SSL_get_servername(c.ssl.get(), TLSEXT_NAMETYPE_host_name)
                                       : ""));
      c.phase = TlsAlpnPhase::Shutdown;
      return drive(c, now, limits);
    }
    ::shutdown(c.fd.get(), SHUT_WR);
    c.phase = TlsAlpnPhase::Draining;
    c.events = POLLIN;
    c.deadline = std::min(c.deadline, now + kMaxDrain);
    return;
  }
  switch (SSL_get_error(c.ssl.get(), result)) {
    case SSL_ERROR_WANT_READ: c.events = POLLIN; return;
    case SSL_ERROR_WANT_WRITE: c.events = POLLOUT; return;
    default:
      // A refused ClientHello (other ALPN, unknown name), a reset, garbage: the alert is sent;
      // nothing else is owed to this client.
      ERR_clear_error();
      c.fd.reset();
  }
}

class TlsAlpnProtocol final : public PollProtocol {
 public:
  TlsAlpnProtocol(TlsServerLimits limits, ValidationLookup lookup) : limits_(limits), state_{std::move(lookup)} {}

  Result<void> init() {
    // The context's callbacks point at state_: this object stays where it is (held by pointer).
    context_ = CERTKEEP_TRY(make_context(state_));
    return {};
  }

  std::unique_ptr<PolledConnection> open(SocketFd client, PollClock::time_point now) override {
    SslPtr ssl(SSL_new(context_.get()));
    if (!ssl || SSL_set_fd(ssl.get(), client.get()) != 1) {
      ERR_clear_error();
      return nullptr;
    }
    SSL_set_accept_state(ssl.get());
    return std::make_unique<TlsAlpnConnection>(std::move(client), std::move(ssl),
                                               now + limits_.handshake_timeout);
  }

  void step(PolledConnection& polled, PollClock::time_point now) override {
    drive(static_cast<TlsAlpnConnection&>(polled), now, limits_);
  }

 private:
  const TlsServerLimits limits_;
  State state_;
  crypto::OpenSslPtr<SSL_CTX, SSL_CTX_free> context_;
};

}  // namespace

Result<std::unique_ptr<PollServer>> serve_tls_alpn(SocketFd listener, TlsServerLimits limits,
                                                   ValidationLookup lookup) {
  auto protocol = std::make_unique<TlsAlpnProtocol>(limits, std::move(lookup));
  CERTKEEP_TRY(protocol->init());
  return PollServer::start("TLS-ALPN-01 responder", std::move(listener), limits.max_connections,
                           std::move(protocol));
}

}  // namespace certkeep::challenge
