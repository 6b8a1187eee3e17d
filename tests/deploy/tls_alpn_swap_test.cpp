// SPDX-License-Identifier: Apache-2.0
// TLS-ALPN-01 in the library's TLS helper (use_certificate_source): on the terminator's own
// SSL_CTX, only a ClientHello offering exactly "acme-tls/1" for a pending name gets the
// validation certificate; every other handshake keeps the terminator's ALPN choice and its
// certificate. Real OpenSSL handshakes over socketpairs.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <thread>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "certkeep/openssl.hpp"
#include "crypto/certificate.hpp"
#include "crypto/hash.hpp"
#include "crypto/private_ca.hpp"
#include "crypto/tls_alpn.hpp"
#include "deploy/tls_swap.hpp"
#include "support/tls_probe.hpp"

using namespace certkeep;
using namespace std::chrono_literals;

namespace {

// A peer that gives up mid-handshake must not kill the test with SIGPIPE (terminators ignore it).
const bool kSigpipeIgnored = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();

// A terminator's certificates (one name) plus pending TLS-ALPN-01 validations.
class Source final : public CertificateSource {
 public:
  explicit Source(std::shared_ptr<const CertifiedKey> ordinary) : ordinary_(std::move(ordinary)) {}
  std::shared_ptr<const CertifiedKey> certificate(std::string_view) const override { return ordinary_; }
  bool answers_acme_tls_alpn() const noexcept override { return true; }
  std::shared_ptr<const CertifiedKey> acme_tls_alpn_certificate(std::string_view name) const override {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(std::string(name));
    return it == pending_.end() ? nullptr : it->second;
  }
  void add(const std::string& name, const std::string& key_authorization) {
    auto made = crypto::make_tls_alpn_certificate(name, key_authorization).value();
    auto snapshot = deploy::make_certified_key("validation", made.cert_pem, "", made.key_pem.view()).value();
    std::lock_guard lock(mutex_);
    pending_[name] = snapshot;
  }

 private:
  std::shared_ptr<const CertifiedKey> ordinary_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const CertifiedKey>> pending_;
};

std::shared_ptr<const CertifiedKey> ordinary_certificate() {
  static const crypto::CaMaterial ca = crypto::create_private_ca("tls-alpn swap test root", 24h).value();
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  const auto now = std::chrono::system_clock::now();
  const std::string cert =
      crypto::issue_leaf_certificate(ca, key, {"www.example.com", "api.example.com"}, now - 1h, now + 24h).value();
  return deploy::make_certified_key("site", cert, "", key.to_pem().value().view()).value();
}

// The terminator's own ALPN choice: h2, else http/1.1; never acme-tls/1.
int select_h2(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
              unsigned int in_length, void*) {
  static const unsigned char mine[] = "\x02h2\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, mine, sizeof mine - 1, in, in_length) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> terminator_context(const CertificateSource& source) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  REQUIRE(ctx);
  SSL_CTX_set_alpn_select_cb(ctx.get(), select_h2, nullptr);
  REQUIRE(use_certificate_source(ctx.get(), source));
  return ctx;
}

// One handshake against `server_ctx` over a socketpair, the server on its own thread.
certkeep::testing::TlsProbeResult handshake(SSL_CTX* server_ctx, const std::string& name,
                                            const std::vector<std::string>& alpn) {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  std::thread server([&] {
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(server_ctx), &SSL_free);
    SSL_set_fd(ssl.get(), fds[1]);
    if (SSL_accept(ssl.get()) == 1) SSL_shutdown(ssl.get());
    ::shutdown(fds[1], SHUT_RDWR);
    ERR_clear_error();
  });
  auto result = certkeep::testing::tls_probe_fd(fds[0], name, alpn);
  ::shutdown(fds[0], SHUT_RDWR);
  server.join();
  ::close(fds[0]);
  ::close(fds[1]);
  return result;
}

std::string acme_digest(const std::string& pem) {
  if (pem.empty()) return "";
  auto read = crypto::read_acme_identifier(pem);
  return read && *read ? (*read)->digest : std::string();
}

}  // namespace

TEST_CASE("tls swap: acme-tls/1 for a pending name gets the validation certificate, nothing else changes",
          "[deploy][tls][tls-alpn]") {
  REQUIRE(kSigpipeIgnored);
  Source source(ordinary_certificate());
  const std::string key_authorization = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA." + std::string(43, 'T');
  source.add("www.example.com", key_authorization);
  auto ctx = terminator_context(source);

  const auto validation = handshake(ctx.get(), "www.example.com", {"acme-tls/1"});
  CHECK(validation.handshake_ok);
  CHECK(validation.alpn == "acme-tls/1");
  CHECK(acme_digest(validation.peer_pem) == crypto::sha256(key_authorization));

  // Ordinary handshakes: the terminator's ALPN choice and its certificate, never a validation one.
  const std::string ordinary_serial = ordinary_certificate()->serial();
  for (const auto& alpn : std::vector<std::vector<std::string>>{{"h2", "http/1.1"}, {"http/1.1"}, {}, {"h2", "acme-tls/1"}}) {
    const auto probe = handshake(ctx.get(), "www.example.com", alpn);
    CHECK(probe.handshake_ok);
    CHECK(probe.alpn == (alpn.empty() ? "" : alpn.front() == "h2" ? "h2" : "http/1.1"));
    CHECK(acme_digest(probe.peer_pem).empty());
    CHECK_FALSE(probe.peer_pem.empty());
  }
  // acme-tls/1 for a name with nothing pending is an ordinary handshake: no validation certificate.
  const auto unknown = handshake(ctx.get(), "api.example.com", {"acme-tls/1"});
  CHECK(acme_digest(unknown.peer_pem).empty());
  CHECK(unknown.alpn.empty());
}

TEST_CASE("tls swap: ordinary handshakes never fail while validations come and go", "[deploy][tls][tls-alpn]") {
  Source source(ordinary_certificate());
  auto ctx = terminator_context(source);
  int failed = 0;
  int validations = 0;
  for (int i = 0; i < 60; ++i) {
    if (i % 10 == 0) source.add("v" + std::to_string(i) + ".example.com", "token_" + std::to_string(i) + ".x");
    if (!handshake(ctx.get(), "www.example.com", {"h2"}).handshake_ok) ++failed;
    if (i % 10 == 0 &&
        handshake(ctx.get(), "v" + std::to_string(i) + ".example.com", {"acme-tls/1"}).alpn == "acme-tls/1")
      ++validations;
  }
  CHECK(failed == 0);
  CHECK(validations == 6);
}

TEST_CASE("tls swap: a source without TLS-ALPN-01 leaves the ClientHello callback alone", "[deploy][tls][tls-alpn]") {
  class Plain final : public CertificateSource {
   public:
    std::shared_ptr<const CertifiedKey> certificate(std::string_view) const override { return ordinary_certificate(); }
  } plain;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  static int calls = 0;
  SSL_CTX_set_client_hello_cb(
      ctx.get(), [](SSL*, int*, void*) { return ++calls, SSL_CLIENT_HELLO_SUCCESS; }, nullptr);
  REQUIRE(use_certificate_source(ctx.get(), plain));
  CHECK(handshake(ctx.get(), "www.example.com", {"acme-tls/1"}).handshake_ok);
  CHECK(calls == 1);  // the terminator's own callback still runs
}
