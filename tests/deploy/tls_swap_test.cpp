// SPDX-License-Identifier: Apache-2.0
// The TLS hot swap against real OpenSSL handshakes: certificates from a private CA made at test
// time, served by use_certificate_source, checked by a verifying OpenSSL client. Handshakes run
// over a socketpair (two threads) or an in-memory BIO pair stepped by hand, so a test can swap
// the table in the middle of one.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "certkeep/openssl.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_ca.hpp"
#include "deploy/certificate_table.hpp"
#include "deploy/tls_swap.hpp"

using namespace certkeep;
using namespace std::chrono_literals;

namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// A private CA and leaf certificates for any names, made at run time.
struct TestPki {
  TestPki() : ca(crypto::create_private_ca("certkeep tls_swap test root", 24h).value()) {}

  std::shared_ptr<const CertifiedKey> leaf(const std::string& lineage, const std::vector<std::string>& names,
                                           const std::string& chain_pem = "") const {
    auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
    const auto now = std::chrono::system_clock::now();
    std::string cert = crypto::issue_leaf_certificate(ca, key, names, now - 1h, now + 24h).value();
    auto snapshot = deploy::make_certified_key(lineage, cert, chain_pem, key.to_pem().value().view());
    REQUIRE(snapshot);
    return *snapshot;
  }

  crypto::CaMaterial ca;
};

SslCtxPtr server_context(const CertificateSource& source, int max_version = 0) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  REQUIRE(ctx);
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  REQUIRE(use_certificate_source(ctx.get(), source));
  return ctx;
}

// A client that trusts only the test root and checks the host name it asks for.
SslCtxPtr client_context(const TestPki& pki) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  REQUIRE(ctx);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pki.ca.cert_pem.data(), static_cast<int>(pki.ca.cert_pem.size())), &BIO_free);
  X509* root = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  REQUIRE(root != nullptr);
  REQUIRE(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), root) == 1);
  X509_free(root);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

SslPtr client_ssl(SSL_CTX* ctx, const std::string& server_name) {
  SslPtr ssl(SSL_new(ctx));
  REQUIRE(ssl);
  if (!server_name.empty()) {
    // SSL_set_tlsext_host_name without its C cast.
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(server_name.c_str()));
    REQUIRE(SSL_set1_host(ssl.get(), server_name.c_str()) == 1);
  }
  return ssl;
}

// The serial of the certificate the server presented, or "" when there is none.
std::string peer_serial(SSL* client) {
  X509* peer = SSL_get0_peer_certificate(client);
  if (peer == nullptr) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(out.get(), peer);
  char* data = nullptr;
  const long length = BIO_get_mem_data(out.get(), &data);
  auto info = crypto::inspect_certificate(std::string_view(data, static_cast<std::size_t>(length)));
  return info ? info->serial_hex : "";
}

struct Outcome {
  bool ok = false;
  std::string serial;
  int chain_length = 0;  // certificates the server sent, leaf included
};

// A full handshake over a socketpair: the server on its own thread, the client here.
Outcome handshake_over_socketpair(SSL_CTX* client_ctx, SSL_CTX* server_ctx, const std::string& server_name) {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  SslPtr server(SSL_new(server_ctx));
  SSL_set_fd(server.get(), fds[1]);
  std::atomic<bool> server_ok{false};
  std::thread server_thread([&] {
    server_ok = SSL_accept(server.get()) == 1;
    if (!server_ok) ::shutdown(fds[1], SHUT_RDWR);  // unblock the client
    ERR_clear_error();
  });
  SslPtr client = client_ssl(client_ctx, server_name);
  SSL_set_fd(client.get(), fds[0]);
  Outcome outcome;
  const bool client_ok = SSL_connect(client.get()) == 1;
  if (!client_ok) ::shutdown(fds[0], SHUT_RDWR);
  server_thread.join();
  outcome.ok = client_ok && server_ok && SSL_get_verify_result(client.get()) == X509_V_OK;
  outcome.serial = peer_serial(client.get());
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(client.get()))
    outcome.chain_length = sk_X509_num(chain);
  ERR_clear_error();
  ::close(fds[0]);
  ::close(fds[1]);
  return outcome;
}

// Both ends of one handshake in this thread over an in-memory BIO pair, advanced step by step.
class SteppedHandshake {
 public:
  SteppedHandshake(SSL_CTX* client_ctx, SSL_CTX* server_ctx, const std::string& server_name)
      : client_(client_ssl(client_ctx, server_name)), server_(SSL_new(server_ctx)) {
    BIO* client_bio = nullptr;
    BIO* server_bio = nullptr;
    REQUIRE(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) == 1);
    SSL_set_bio(client_.get(), client_bio, client_bio);
    SSL_set_bio(server_.get(), server_bio, server_bio);
    SSL_set_connect_state(client_.get());
    SSL_set_accept_state(server_.get());
  }

  // One flight each way. False when either side failed.
  bool step() { return advance(client_.get(), client_done_) && advance(server_.get(), server_done_); }
  bool done() const { return client_done_ && server_done_; }
  // Runs to the end; false on failure or when it does not finish in a few flights.
  bool finish() {
    for (int i = 0; i < 10 && !done(); ++i)
      if (!step()) return false;
    return done() && SSL_get_verify_result(client_.get()) == X509_V_OK;
  }
  std::string served_serial() const { return peer_serial(client_.get()); }

 private:
  static bool advance(SSL* ssl, bool& done) {
    if (done) return true;
    const int rc = SSL_do_handshake(ssl);
    if (rc == 1) {
      done = true;
      return true;
    }
    const int error = SSL_get_error(ssl, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return true;
    ERR_clear_error();
    return false;
  }

  SslPtr client_;
  SslPtr server_;
  bool client_done_ = false;
  bool server_done_ = false;
};

}  // namespace

TEST_CASE("certificate table: exact name, then one-label wildcard, else nothing", "[deploy][tls]") {
  TestPki pki;
  auto exact = pki.leaf("exact", {"www.example.com"});
  auto wildcard = pki.leaf("wild", {"*.example.com", "example.com"});
  deploy::CertificateTable table;
  CHECK(table.find("") == nullptr);
  table.put(exact);
  table.put(wildcard);

  CHECK(table.find("www.example.com") == exact);
  CHECK(table.find("WWW.Example.COM.") == exact);
  CHECK(table.find("api.example.com") == wildcard);
  CHECK(table.find("example.com") == wildcard);
  CHECK(table.find("a.b.example.com") == nullptr);  // a wildcard covers one label only
  CHECK(table.find("example.org") == nullptr);
  CHECK(table.find(".example.com") == nullptr);
  CHECK(table.find("") == exact);  // no SNI: the first lineage put
  CHECK(table.lineage_count() == 2);
  CHECK(table.name_count() == 3);
}

TEST_CASE("certificate table: a put replaces its lineage's snapshot and names, a remove forgets them",
          "[deploy][tls]") {
  TestPki pki;
  auto first = pki.leaf("site", {"old.example.com", "both.example.com"});
  auto second = pki.leaf("site", {"new.example.com", "both.example.com"});
  auto other = pki.leaf("other", {"other.example.com"});
  deploy::CertificateTable table;
  table.put(first);
  table.put(other);
  table.put(second);
  CHECK(table.find("old.example.com") == nullptr);  // the lineage's old names went with it
  CHECK(table.find("new.example.com") == second);
  CHECK(table.find("both.example.com") == second);
  CHECK(table.of_lineage("site") == second);
  CHECK(table.find("") == second);  // still the default lineage
  CHECK(table.lineage_count() == 2);
  CHECK(table.remove("site"));
  CHECK_FALSE(table.remove("site"));
  CHECK(table.find("new.example.com") == nullptr);
  CHECK(table.find("") == nullptr);  // the default lineage is gone
  CHECK(table.find("other.example.com") == other);
  CHECK(table.name_count() == 1);
}

TEST_CASE("certificate table: when two lineages claim a name the later expiry wins", "[deploy][tls]") {
  TestPki pki;
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  const auto now = std::chrono::system_clock::now();
  auto make = [&](const std::string& lineage, std::chrono::hours lifetime) {
    std::string cert =
        crypto::issue_leaf_certificate(pki.ca, key, {"dup.example.com"}, now - 1h, now + lifetime).value();
    return deploy::make_certified_key(lineage, cert, "", key.to_pem().value().view()).value();
  };
  auto shorter = make("dup-a", 24h);
  auto longer = make("dup-b", 48h);
  for (bool longer_first : {false, true}) {
    deploy::CertificateTable table;
    table.put(longer_first ? longer : shorter);
    table.put(longer_first ? shorter : longer);
    CHECK(table.find("dup.example.com") == longer);
    table.remove("dup-b");
    CHECK(table.find("dup.example.com") == shorter);  // the other claim remains
  }
}

TEST_CASE("covering_wildcard: one whole leftmost label", "[deploy][tls]") {
  CHECK(deploy::covering_wildcard("a.example.com") == "*.example.com");
  CHECK(deploy::covering_wildcard("example") == std::nullopt);
  CHECK(deploy::covering_wildcard(".example.com") == std::nullopt);
  CHECK(deploy::covering_wildcard("a.") == std::nullopt);
  CHECK(deploy::normalize_server_name("A.Example.COM.") == "a.example.com");
}

TEST_CASE("make_certified_key reads the facts and refuses a key that does not match", "[deploy][tls]") {
  TestPki pki;
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  auto other = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  const auto now = std::chrono::system_clock::now();
  std::string cert =
      crypto::issue_leaf_certificate(pki.ca, key, {"a.example.com", "b.example.com"}, now - 1h, now + 24h)
          .value();

  auto snapshot = deploy::make_certified_key("a", cert, pki.ca.cert_pem, key.to_pem().value().view());
  REQUIRE(snapshot);
  const CertifiedKey& facts = **snapshot;
  CHECK(facts.lineage() == "a");
  CHECK(facts.names() == std::vector<std::string>{"a.example.com", "b.example.com"});
  CHECK(facts.serial() == crypto::inspect_certificate(cert).value().serial_hex);
  CHECK(facts.full_chain_pem() == cert + pki.ca.cert_pem);
  CHECK(facts.not_after() > now);
  const CertifiedKeyObjects objects = openssl_objects(facts);
  CHECK(objects.certificate != nullptr);
  CHECK(objects.private_key != nullptr);
  CHECK(sk_X509_num(objects.chain) == 1);

  auto mismatched = deploy::make_certified_key("a", cert, "", other.to_pem().value().view());
  REQUIRE_FALSE(mismatched);
  CHECK(mismatched.error().code() == Errc::Crypto);
  auto garbage = deploy::make_certified_key("a", "not a certificate", "", key.to_pem().value().view());
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code() == Errc::Protocol);
}

TEST_CASE("a real handshake gets the certificate for its SNI name", "[deploy][tls]") {
  const int max_version = GENERATE(0, TLS1_2_VERSION);
  CAPTURE(max_version);
  TestPki pki;
  auto first = pki.leaf("first", {"one.example.com"});
  auto second = pki.leaf("second", {"two.example.com"}, pki.ca.cert_pem);
  deploy::CertificateTable table;
  table.put(first);
  table.put(second);
  SslCtxPtr server = server_context(table, max_version);
  SslCtxPtr client = client_context(pki);

  Outcome one = handshake_over_socketpair(client.get(), server.get(), "one.example.com");
  CHECK(one.ok);
  CHECK(one.serial == first->serial());
  CHECK(one.chain_length == 1);

  Outcome two = handshake_over_socketpair(client.get(), server.get(), "two.example.com");
  CHECK(two.ok);
  CHECK(two.serial == second->serial());
  CHECK(two.chain_length == 2);  // the leaf and the chain certificate

  // No SNI: the default (first) certificate. Verification of the name is off for this client.
  Outcome none = handshake_over_socketpair(client.get(), server.get(), "");
  CHECK(none.serial == first->serial());

  // A name nothing covers, on an SSL_CTX without a certificate of its own: no handshake.
  Outcome unknown = handshake_over_socketpair(client.get(), server.get(), "three.example.com");
  CHECK_FALSE(unknown.ok);
  CHECK(unknown.serial.empty());
}

TEST_CASE("a swap reaches the next handshake while one in flight keeps the old certificate",
          "[deploy][tls]") {
  const int max_version = GENERATE(0, TLS1_2_VERSION);
  CAPTURE(max_version);
  TestPki pki;
  auto old_key = pki.leaf("site", {"site.example.com"});
  const std::string old_serial = old_key->serial();
  auto new_key = pki.leaf("site", {"site.example.com"});
  deploy::CertificateTable table;
  table.put(old_key);
  SslCtxPtr server = server_context(table, max_version);
  SslCtxPtr client = client_context(pki);

  SteppedHandshake in_flight(client.get(), server.get(), "site.example.com");
  REQUIRE(in_flight.step());  // ClientHello out, the server has chosen its certificate
  REQUIRE_FALSE(in_flight.done());

  // Swap, and drop every reference the test holds to the old snapshot: only the SSL keeps it.
  table.put(new_key);
  old_key.reset();

  SteppedHandshake next(client.get(), server.get(), "site.example.com");
  REQUIRE(next.finish());
  CHECK(next.served_serial() == new_key->serial());

  REQUIRE(in_flight.finish());
  CHECK(in_flight.served_serial() == old_serial);
}

TEST_CASE("300 handshakes while the table is swapped 50 times: no failures", "[deploy][tls][stress]") {
  TestPki pki;
  constexpr int kGenerations = 5;
  const std::vector<std::string> names{"alpha.example.com", "beta.example.com"};
  std::vector<std::vector<std::shared_ptr<const CertifiedKey>>> generations;
  std::map<std::string, std::set<std::string>> serials;  // name → every serial it may get
  for (int g = 0; g < kGenerations; ++g) {
    auto alpha = pki.leaf("alpha", {names[0]});
    auto beta = pki.leaf("beta", {names[1]});
    serials[names[0]].insert(alpha->serial());
    serials[names[1]].insert(beta->serial());
    generations.push_back({alpha, beta});
  }
  deploy::CertificateTable table;
  for (const auto& snapshot : generations[0]) table.put(snapshot);
  SslCtxPtr server = server_context(table);
  SslCtxPtr client = client_context(pki);

  constexpr int kHandshakes = 300;
  constexpr int kSwaps = 50;
  std::atomic<int> completed{0};
  std::atomic<int> failures{0};
  std::set<std::string> seen;
  std::thread handshakes([&] {
    for (int i = 0; i < kHandshakes; ++i) {
      const std::string& name = names[static_cast<std::size_t>(i) % names.size()];
      SteppedHandshake handshake(client.get(), server.get(), name);
      const bool ok = handshake.finish();
      const std::string serial = handshake.served_serial();
      if (!ok || serials[name].count(serial) == 0) ++failures;
      seen.insert(serial);
      ++completed;
      completed.notify_one();
    }
  });
  // Swap every few handshakes, so swaps interleave with handshakes in progress.
  for (int swap = 1; swap <= kSwaps; ++swap) {
    for (int now = completed.load(); now < swap * kHandshakes / (kSwaps + 1); now = completed.load())
      completed.wait(now);
    for (const auto& snapshot : generations[static_cast<std::size_t>(swap) % generations.size()])
      table.put(snapshot);
  }
  handshakes.join();
  CHECK(completed.load() == kHandshakes);
  CHECK(failures.load() == 0);
  CHECK(seen.size() > names.size());  // more than one generation was served
}
