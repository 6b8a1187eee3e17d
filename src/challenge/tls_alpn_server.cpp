// SPDX-License-Identifier: Apache-2.0
#include "challenge/tls_alpn_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/start_thread.hpp"
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

struct TlsAlpnServer::State {
  crypto::OpenSslPtr<SSL_CTX, SSL_CTX_free> context;
  ValidationLookup lookup;
};

namespace {

using Clock = std::chrono::steady_clock;
using SslPtr = crypto::OpenSslPtr<SSL, SSL_free>;

constexpr std::chrono::milliseconds kMaxDrain{1000};
constexpr std::chrono::milliseconds kAcceptBackoff{100};
constexpr std::size_t kMaxAcceptsPerRound = 64;
// A handshake step per readiness event: one SSL_do_handshake call reads what is there.
constexpr unsigned char kAcmeTlsWire[] = "\x0a"
                                         "acme-tls/1";

enum class Phase { Handshake, Shutdown, Draining };

struct Connection {
  SocketFd fd;
  SslPtr ssl;
  Phase phase = Phase::Handshake;
  short events = POLLIN;
  Clock::time_point deadline;
};

// RFC 8737 §3: a validation handshake offers exactly "acme-tls/1" and names a pending
// identifier; anything else is refused before a certificate is chosen.
int on_client_hello(SSL* ssl, int* alert, void* arg) noexcept {
  const auto* state = static_cast<const TlsAlpnServer::State*>(arg);
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

Result<crypto::OpenSslPtr<SSL_CTX, SSL_CTX_free>> make_context(TlsAlpnServer::State& state) {
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

int poll_timeout_ms(Clock::time_point now, Clock::time_point earliest) {
  if (earliest == Clock::time_point::max()) return -1;
  if (earliest <= now) return 0;
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(earliest - now).count();
  return static_cast<int>(std::min<long long>(wait, 60'000));
}

// Reads and drops what the client still sends after our close_notify, so close() does not
// turn unread bytes into a reset that could overtake the last record.
void drain(Connection& c) {
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
void drive(Connection& c, Clock::time_point now, const TlsServerLimits& limits) {
  if (c.phase == Phase::Draining) return drain(c);
  ERR_clear_error();  // SSL_get_error reads the thread's queue: no stale entries
  const int result = c.phase == Phase::Handshake ? SSL_do_handshake(c.ssl.get()) : SSL_shutdown(c.ssl.get());
  if (result == 1 || (c.phase == Phase::Shutdown && result == 0)) {
    if (c.phase == Phase::Handshake) {
      core::log::debug("TLS-ALPN-01 responder: validation handshake for " +
                       std::string(SSL_get_servername(c.ssl.get(), TLSEXT_NAMETYPE_host_name) != nullptr
                                       ? SSL_get_servername(c.ssl.get(), TLSEXT_NAMETYPE_host_name)
                                       : ""));
      c.phase = Phase::Shutdown;
      return drive(c, now, limits);
    }
    ::shutdown(c.fd.get(), SHUT_WR);
    c.phase = Phase::Draining;
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

bool accept_pending(int listener, SSL_CTX* context, std::vector<Connection>& connections,
                    const TlsServerLimits& limits, Clock::time_point now) {
  for (std::size_t accepted = 0; accepted < kMaxAcceptsPerRound; ++accepted) {
    SocketFd client(::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        core::log::warn(std::string("TLS-ALPN-01 responder: accept: ") + std::strerror(errno));
        return false;
      }
      return true;
    }
    // Over the limit: accepted and closed at once, so the backlog never fills (as HTTP-01).
    if (connections.size() >= limits.max_connections) continue;
    SslPtr ssl(SSL_new(context));
    if (!ssl || SSL_set_fd(ssl.get(), client.get()) != 1) {
      ERR_clear_error();
      continue;
    }
    SSL_set_accept_state(ssl.get());
    connections.push_back(Connection{std::move(client), std::move(ssl), Phase::Handshake, POLLIN,
                                     now + limits.handshake_timeout});
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<TlsAlpnServer>> TlsAlpnServer::start(SocketFd listener, TlsServerLimits limits,
                                                            ValidationLookup lookup) {
  auto state = std::make_unique<State>();
  state->lookup = std::move(lookup);
  state->context = CERTKEEP_TRY(make_context(*state));
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
    return fail(Errc::Io, std::string("TLS-ALPN-01 responder: pipe: ") + std::strerror(errno));
  std::unique_ptr<TlsAlpnServer> server(
      new TlsAlpnServer(std::move(listener), SocketFd(fds[0]), SocketFd(fds[1]), limits, std::move(state)));
  server->thread_ =
      CERTKEEP_TRY(core::start_thread("TLS-ALPN-01 responder", [raw = server.get()] { raw->run(); }));
  return server;
}

TlsAlpnServer::TlsAlpnServer(SocketFd listener, SocketFd wake_read, SocketFd wake_write, TlsServerLimits limits,
                             std::unique_ptr<State> state)
    : listener_(std::move(listener)),
      wake_read_(std::move(wake_read)),
      wake_write_(std::move(wake_write)),
      limits_(limits),
      state_(std::move(state)) {}

TlsAlpnServer::~TlsAlpnServer() {
  if (thread_.joinable()) {
    const char byte = 'x';
    while (::write(wake_write_.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
}

void TlsAlpnServer::run() noexcept {
  // OpenSSL writes with write(2): a client that vanished must give EPIPE, not kill the process.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

  std::vector<Connection> connections;
  std::vector<pollfd> fds;
  Clock::time_point listener_paused_until = Clock::time_point::min();
  for (;;) {
    Clock::time_point now = Clock::now();
    fds.clear();
    fds.push_back({wake_read_.get(), POLLIN, 0});
    const bool listening = now >= listener_paused_until;
    fds.push_back({listening ? listener_.get() : -1, POLLIN, 0});
    Clock::time_point earliest = listening ? Clock::time_point::max() : listener_paused_until;
    for (const Connection& c : connections) {
      fds.push_back({c.fd.get(), c.events, 0});
      earliest = std::min(earliest, c.deadline);
    }
    const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms(now, earliest));
    if (ready < 0 && errno != EINTR) {
      core::log::error(std::string("TLS-ALPN-01 responder: poll: ") + std::strerror(errno));
      return;
    }
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) return;  // stop requested
    now = Clock::now();
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      if (ready > 0 && fds[i + 2].revents != 0) drive(c, now, limits_);
      if (c.fd && now >= c.deadline) c.fd.reset();  // a slow or silent client is cut
    }
    std::erase_if(connections, [](const Connection& c) { return !c.fd; });
    if (ready > 0 && listening && (fds[1].revents & POLLIN) != 0) {
      if (!accept_pending(listener_.get(), state_->context.get(), connections, limits_, now))
        listener_paused_until = now + kAcceptBackoff;
    }
  }
}

}  // namespace certkeep::challenge
