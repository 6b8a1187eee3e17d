// SPDX-License-Identifier: Apache-2.0
// The standalone TLS-ALPN-01 responder against real OpenSSL client handshakes over loopback:
// only "acme-tls/1" for a pending name gets the validation certificate; other ALPN values,
// unknown names, floods and slow clients get nothing and do not stop it.
#include "challenge/tls_alpn_responder.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "crypto/hash.hpp"
#include "crypto/tls_alpn.hpp"
#include "support/example_challenge.hpp"
#include "support/socket_checks.hpp"
#include "support/tls_probe.hpp"

using namespace certkeep;
using namespace std::chrono_literals;
using certkeep::challenge::TlsAlpnResponderOptions;
using certkeep::challenge::TlsAlpnSolver;
using certkeep::testing::tls_probe;

using namespace certkeep::testing::rfc8555;
using certkeep::testing::peer_closed_within;

namespace {

Challenge tls_alpn(const std::string& identifier, const std::string& token) {
  Challenge challenge{identifier, token, token + "." + kThumbprint};
  challenge.type = ChallengeType::TlsAlpn01;
  return challenge;
}

std::unique_ptr<TlsAlpnSolver> make_tls_alpn_solver(TlsAlpnResponderOptions options = {}) {
  options.listen = "127.0.0.1:0";
  auto solver = TlsAlpnSolver::create(std::move(options));
  REQUIRE(solver);
  return std::move(*solver);
}

// The acmeIdentifier digest of `pem`, "" when it has none.
std::string acme_digest(const std::string& pem) {
  auto read = crypto::read_acme_identifier(pem);
  return read && *read && (*read)->critical ? (*read)->digest : std::string();
}

// True when the server closes `fd` (EOF or reset) within `limit`.
}  // namespace

TEST_CASE("tls-alpn responder: acme-tls/1 for a pending name gets its validation certificate",
          "[challenge][tls-alpn]") {
  auto solver = make_tls_alpn_solver();
  const Challenge challenge = tls_alpn("www.example.com", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
  CHECK(solver->port() == 0);  // not listening before a challenge
  REQUIRE(solver->present(challenge));
  REQUIRE(solver->port() > 0);
  const auto probe = tls_probe(solver->port(), "WWW.example.com", {"acme-tls/1"});
  CHECK(probe.handshake_ok);
  CHECK(probe.alpn == "acme-tls/1");
  CHECK(acme_digest(probe.peer_pem) == crypto::sha256(challenge.key_authorization));
  solver->cleanup(challenge);
  CHECK(solver->port() == 0);  // stops listening after the last cleanup
}

TEST_CASE("tls-alpn responder: other ALPN values and unknown names get no certificate", "[challenge][tls-alpn]") {
  auto solver = make_tls_alpn_solver();
  const Challenge challenge = tls_alpn("www.example.com", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
  REQUIRE(solver->present(challenge));
  const int port = solver->port();
  for (const auto& alpn : std::vector<std::vector<std::string>>{{}, {"h2"}, {"http/1.1"}, {"h2", "acme-tls/1"}}) {
    const auto probe = tls_probe(port, "www.example.com", alpn);
    CHECK_FALSE(probe.handshake_ok);
    CHECK(probe.peer_pem.empty());
  }
  const auto unknown = tls_probe(port, "other.example.com", {"acme-tls/1"});
  CHECK_FALSE(unknown.handshake_ok);
  CHECK(unknown.peer_pem.empty());
  const auto no_sni = tls_probe(port, "", {"acme-tls/1"});
  CHECK_FALSE(no_sni.handshake_ok);
  CHECK(no_sni.peer_pem.empty());
  // A challenge of another type is refused.
  Challenge http = challenge;
  http.type = ChallengeType::Http01;
  CHECK_FALSE(solver->present(http));
  // …and after all that, the pending name is still served.
  CHECK(tls_probe(port, "www.example.com", {"acme-tls/1"}).handshake_ok);
  solver->cleanup(challenge);
}

TEST_CASE("tls-alpn responder: a flood of silent connections stays bounded and valid handshakes go on",
          "[challenge][tls-alpn]") {
  TlsAlpnResponderOptions options;
  options.max_connections = 4;
  options.handshake_timeout = 400ms;
  auto solver = make_tls_alpn_solver(options);
  const Challenge challenge = tls_alpn("www.example.com", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
  REQUIRE(solver->present(challenge));
  std::vector<int> silent;
  for (int i = 0; i < 24; ++i) {
    const int fd = testing::connect_loopback(solver->port());
    REQUIRE(fd >= 0);
    silent.push_back(fd);
  }
  // Beyond max_connections, connections are closed at once; the others at handshake_timeout.
  std::vector<int> held;
  for (int fd : silent)
    if (!peer_closed_within(fd, 100ms)) held.push_back(fd);
  CHECK(held.size() <= 4);
  int closed_later = 0;
  for (int fd : held)
    if (peer_closed_within(fd, 2000ms)) ++closed_later;
  CHECK(closed_later == static_cast<int>(held.size()));  // every slot is freed again
  for (int fd : silent) ::close(fd);
  CHECK(tls_probe(solver->port(), "www.example.com", {"acme-tls/1"}).handshake_ok);
  solver->cleanup(challenge);
}

TEST_CASE("tls-alpn responder: a client that trickles its ClientHello is cut at the handshake timeout",
          "[challenge][tls-alpn]") {
  TlsAlpnResponderOptions options;
  options.handshake_timeout = 300ms;
  auto solver = make_tls_alpn_solver(options);
  const Challenge challenge = tls_alpn("www.example.com", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA");
  REQUIRE(solver->present(challenge));
  const int fd = testing::connect_loopback(solver->port());
  REQUIRE(fd >= 0);
  const auto started = std::chrono::steady_clock::now();
  // A TLS record header, then one byte every 100 ms: never a whole ClientHello.
  const unsigned char header[] = {0x16, 0x03, 0x01, 0x02, 0x00};
  REQUIRE(::send(fd, header, sizeof header, MSG_NOSIGNAL) == sizeof header);
  bool cut = false;
  for (int i = 0; i < 40 && !cut; ++i) {
    const unsigned char byte = 0x01;
    if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1 || peer_closed_within(fd, 100ms)) cut = true;
  }
  CHECK(cut);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  ::close(fd);
  CHECK(tls_probe(solver->port(), "www.example.com", {"acme-tls/1"}).handshake_ok);
  solver->cleanup(challenge);
}

TEST_CASE("tls-alpn responder: bad options and bad challenges are refused without binding", "[challenge][tls-alpn]") {
  CHECK_FALSE(TlsAlpnSolver::create({.listen = "nonsense"}));
  CHECK_FALSE(TlsAlpnSolver::create({.listen = ":0", .max_connections = 0}));
  CHECK_FALSE(TlsAlpnSolver::create({.listen = ":0", .handshake_timeout = 0ms}));
  auto solver = make_tls_alpn_solver();
  CHECK_FALSE(solver->present(tls_alpn("www.example.com", "../../etc/passwd_aaaaaaaaa")));
  CHECK_FALSE(solver->present(tls_alpn("not a name", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA")));
  CHECK(solver->port() == 0);
}
