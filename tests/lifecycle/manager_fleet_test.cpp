// SPDX-License-Identifier: Apache-2.0
// A Manager in a fleet (issue 15): a renewal committed through another store connection (another
// node, a `certkeep daemon`) is served within a second through the change feed; a dropped
// notification connection is reopened and nothing is missed; an HTTP-01 answer or TLS-ALPN-01
// validation another node saved in the store is answered here. Tagged [fleet]: on SQLite here, and again on a real
// PostgreSQL under ctest lifecycle.fleet_postgres (the [.postgres] cases only there).
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "certkeep/manager.hpp"
#include "crypto/hash.hpp"
#include "crypto/tls_alpn.hpp"
#include "lifecycle/change_follower.hpp"
#include "lifecycle/manager_impl.hpp"
#include "lifecycle/shared_challenges.hpp"
#include "store/store_test_support.hpp"
#include "support/example_challenge.hpp"
#include "support/test_pki.hpp"

namespace certkeep {
using certkeep::testing::rfc8555::kChallengePath;

namespace {

using namespace store::testing;
using certkeep::testing::TestLeaf;
using certkeep::testing::TestPki;

const std::string kThumbprint = "." + std::string(43, 'T');  // a key authorization's tail

store::IssuedCertificate real_issued(const TestLeaf& leaf) {
  store::IssuedCertificate cert;
  cert.key_pem = core::Secret(leaf.key_pem);
  cert.cert_pem = leaf.cert_pem;
  cert.chain_pem = leaf.chain_pem;
  cert.serial = leaf.serial_hex;
  cert.issuer = "certkeep test root";
  cert.not_before = std::chrono::system_clock::now() - 5min;
  cert.not_after = std::chrono::system_clock::now() + 24h * 90;
  cert.renew_at = std::chrono::system_clock::now() + 24h * 60;
  return cert;
}

// A lineage `name` with a certificate from `pki`, committed through `store`.
std::string store_certificate(store::Store& store, const TestPki& pki, const std::string& name,
                              store::HistoryKind kind) {
  if (kind == store::HistoryKind::Issued) {
    store::LineageRecord lineage;
    lineage.name = name;
    lineage.identifiers = {name};
    lineage.settings.directory_url = "https://127.0.0.1:1/dir";
    lineage.settings.challenge_method = store::ChallengeMethod::Memory;
    lineage.created_at = std::chrono::system_clock::now();
    REQUIRE(store.upsert_lineage(lineage));
  }
  const TestLeaf leaf = pki.issue({name});
  auto committed = store.commit_issuance(name, real_issued(leaf), kind);
  INFO((committed ? std::string() : committed.error().to_string()));
  REQUIRE(committed);
  return leaf.serial_hex;
}

std::unique_ptr<Manager> open_fleet_manager(const TempDir& dir) {
  ManagerOptions options;
  options.state_dir = dir.path() / "state";
  options.store = dir.store();
  options.directory_url = "https://127.0.0.1:1/dir";  // never asked: the store has the certificates
  options.follow_changes = true;
  auto manager = Manager::open(options);
  INFO((manager ? std::string() : manager.error().to_string()));
  REQUIRE(manager);
  return std::move(*manager);
}

// Polls until `name` is served with `serial`; the time it took, or nullopt after `limit`.
std::optional<std::chrono::milliseconds> time_to_serve(const Manager& manager, const std::string& name,
                                                       const std::string& serial,
                                                       std::chrono::milliseconds limit = 5000ms) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto served = manager.certificate(name);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (served && served->serial() == serial) return took;
    if (took > limit) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

TEST_CASE("fleet: a renewal committed by another node is served by the Manager within a second",
          "[lifecycle][manager][fleet]") {
  TempDir dir;
  TestPki pki;
  auto renewer = open_store(dir.store());
  const std::string first = store_certificate(*renewer, pki, "a.example", store::HistoryKind::Issued);
  store_certificate(*renewer, pki, "unmanaged.example", store::HistoryKind::Issued);
  auto manager = open_fleet_manager(dir);
  REQUIRE(manager->manage({"a.example"}));
  REQUIRE(manager->certificate("a.example")->serial() == first);
  std::vector<Event> events;
  std::mutex events_mutex;
  Subscription subscription = manager->subscribe([&](const Event& event) {
    std::lock_guard lock(events_mutex);
    events.push_back(event);
  });

  for (int round = 0; round < 3; ++round) {
    const std::string next = store_certificate(*renewer, pki, "a.example", store::HistoryKind::Renewed);
    auto took = time_to_serve(*manager, "a.example", next);
    REQUIRE(took);
    CHECK(*took < 1000ms);
  }
  // A lineage this Manager does not serve stays unserved however often it changes.
  store_certificate(*renewer, pki, "unmanaged.example", store::HistoryKind::Renewed);
  const std::int64_t newest = renewer->latest_change().value();
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (manager->impl().follower()->cursor() < newest && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  CHECK(manager->impl().follower()->cursor() >= newest);
  CHECK_FALSE(manager->certificate("unmanaged.example"));
  std::lock_guard lock(events_mutex);
  CHECK(std::count_if(events.begin(), events.end(), [](const Event& e) {
          return e.kind == EventKind::Renewed && e.name == "a.example";
        }) == 3);
}

TEST_CASE("fleet: an HTTP-01 answer a renewal saved in the store is answered by another node until cleanup",
          "[lifecycle][fleet]") {
  TempDir dir;
  auto renewer = open_store(dir.store());
  auto solver = lifecycle::share_challenges(nullptr, ChallengeType::Http01, *renewer, "a.example", "renewer-1",
                                            std::chrono::system_clock::now() + 60s);
  lifecycle::SharedAnswers node([&dir] { return store::Store::open(dir.store()); }, core::system_clock());
  const std::string token = "tok_0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
  const Challenge challenge{"a.example", token, token + kThumbprint, ChallengeType::Http01};

  CHECK_FALSE(node.answer("a.example", kChallengePath + token));
  REQUIRE(solver->present(challenge));
  // Not loaded yet: read from the store on the miss.
  CHECK(node.answer("A.Example:80", kChallengePath + token) == token + kThumbprint);
  CHECK_FALSE(node.answer("b.example", kChallengePath + token));  // only on its own host
  CHECK_FALSE(node.answer("a.example", kChallengePath + "tok_other_0123456789abcdefghijklmnopqrstuvw"));
  CHECK_FALSE(node.answer("a.example", "/elsewhere/" + token));
  // Loaded (what the change follower does on a Challenge change): answered from memory.
  REQUIRE(node.reload(*renewer));
  CHECK(node.size() == 1);
  solver->cleanup(challenge);
  REQUIRE(node.reload(*renewer));
  CHECK(node.size() == 0);
  CHECK_FALSE(node.answer("a.example", kChallengePath + token));
}

// The validation certificate says it answers `key_authorization` (RFC 8737 §3).
void check_validation(const std::shared_ptr<const CertifiedKey>& validation, const std::string& key_authorization) {
  REQUIRE(validation);
  CHECK(validation->names() == std::vector<std::string>{"a.example"});
  auto identifier = crypto::read_acme_identifier(validation->certificate_pem());
  REQUIRE(identifier);
  REQUIRE(*identifier);
  CHECK((*identifier)->critical);
  CHECK((*identifier)->digest == crypto::sha256(key_authorization));
}

TEST_CASE("fleet: a TLS-ALPN-01 answer a renewal saved in the store becomes another node's validation certificate",
          "[lifecycle][fleet]") {
  TempDir dir;
  auto renewer = open_store(dir.store());
  auto solver = lifecycle::share_challenges(nullptr, ChallengeType::TlsAlpn01, *renewer, "a.example", "renewer-1",
                                            std::chrono::system_clock::now() + 60s);
  lifecycle::SharedAnswers node([&dir] { return store::Store::open(dir.store()); }, core::system_clock());
  const std::string token = "tok_alpn_0123456789abcdefghijklmnopqrstuvwxyz";
  const Challenge challenge{"a.example", token, token + kThumbprint, ChallengeType::TlsAlpn01};
  // An HTTP-01 challenge is not this solver's: refused, nothing saved.
  CHECK_FALSE(solver->present(Challenge{"a.example", token, token + kThumbprint, ChallengeType::Http01}));
  REQUIRE(node.reload(*renewer));
  CHECK(node.size() == 0);

  CHECK_FALSE(node.tls_alpn_certificate("a.example"));  // nothing pending: the miss read finds none
  REQUIRE(solver->present(challenge));
  // Not loaded yet (the CA validates before the change feed brings it): read from the store on
  // the miss, as an unknown HTTP-01 token is.
  auto validation = node.tls_alpn_certificate("a.example");
  check_validation(validation, token + kThumbprint);
  CHECK(node.size() == 1);
  CHECK_FALSE(node.tls_alpn_certificate("b.example"));
  CHECK_FALSE(node.answer("a.example", kChallengePath + token));  // not an HTTP-01 answer
  CHECK(node.tls_alpn_certificate("a.example") == validation);  // made once
  REQUIRE(node.reload(*renewer));
  CHECK(node.size() == 1);
  CHECK(node.tls_alpn_certificate("a.example") == validation);  // a reload keeps it
  solver->cleanup(challenge);
  REQUIRE(node.reload(*renewer));
  CHECK(node.size() == 0);
  CHECK_FALSE(node.tls_alpn_certificate("a.example"));
}

// The notification connections of the run's database (LISTEN), ended by the server as a
// restart or an administrator would.
int terminate_listeners() {
  auto admin = postgres_admin();
  auto statement = admin->prepare(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
      "AND datname = current_database() AND query LIKE 'LISTEN%'");
  REQUIRE(statement);
  int ended = 0;
  for (;;) {
    auto row = (*statement)->step();
    INFO((row ? std::string() : row.error().to_string()));
    REQUIRE(row);
    if (!*row) break;
    ++ended;
  }
  return ended;
}

TEST_CASE("fleet: a dropped notification connection is reopened with backoff and no change is missed",
          "[lifecycle][manager][fleet][.postgres]") {
  TempDir dir;
  TestPki pki;
  auto renewer = open_store(dir.store());
  store_certificate(*renewer, pki, "a.example", store::HistoryKind::Issued);
  auto manager = open_fleet_manager(dir);
  REQUIRE(manager->manage({"a.example"}));
  const lifecycle::ChangeFollower& follower = *manager->impl().follower();
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (follower.reconnects() < 1 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  REQUIRE(follower.reconnects() == 1);

  REQUIRE(terminate_listeners() >= 1);
  // Committed while the follower has no signal: read from its cursor once it is back.
  const std::string renewed = store_certificate(*renewer, pki, "a.example", store::HistoryKind::Renewed);
  auto took = time_to_serve(*manager, "a.example", renewed);
  REQUIRE(took);
  CHECK(*took < 2000ms);
  CHECK(follower.reconnects() == 2);
  // And the reopened signal works: the next change arrives within a second.
  const std::string again = store_certificate(*renewer, pki, "a.example", store::HistoryKind::Renewed);
  took = time_to_serve(*manager, "a.example", again);
  REQUIRE(took);
  CHECK(*took < 1000ms);
}

TEST_CASE("fleet: the Manager answers the HTTP-01 challenge another node's renewal presented",
          "[lifecycle][manager][fleet][.postgres]") {
  TempDir dir;
  auto renewer = open_store(dir.store());
  auto manager = open_fleet_manager(dir);
  auto solver = lifecycle::share_challenges(nullptr, ChallengeType::Http01, *renewer, "a.example", "renewer-1",
                                            std::chrono::system_clock::now() + 60s);
  const std::string token = "tok_fleet_0123456789abcdefghijklmnopqrstuvwxyz";
  const Challenge challenge{"a.example", token, token + kThumbprint, ChallengeType::Http01};
  REQUIRE(solver->present(challenge));
  CHECK(manager->http01_response("a.example", kChallengePath + token) == token + kThumbprint);
  solver->cleanup(challenge);
  // Withdrawn: gone once the change arrives (the feed reloads the answers).
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (manager->http01_response("a.example", kChallengePath + token) &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  CHECK_FALSE(manager->http01_response("a.example", kChallengePath + token));
}

TEST_CASE("fleet: the Manager serves the TLS-ALPN-01 validation another node's renewal presented",
          "[lifecycle][manager][fleet][.postgres]") {
  TempDir dir;
  auto renewer = open_store(dir.store());
  auto manager = open_fleet_manager(dir);
  CHECK(manager->answers_acme_tls_alpn());  // a fleet's node, though its own challenge is HTTP-01
  auto solver = lifecycle::share_challenges(nullptr, ChallengeType::TlsAlpn01, *renewer, "a.example", "renewer-1",
                                            std::chrono::system_clock::now() + 60s);
  const std::string token = "tok_fleet_alpn_0123456789abcdefghijklmnopqrstu";
  const Challenge challenge{"a.example", token, token + kThumbprint, ChallengeType::TlsAlpn01};
  REQUIRE(solver->present(challenge));
  // Arrives through the change feed within a second.
  auto until = std::chrono::steady_clock::now() + 2s;
  while (!manager->acme_tls_alpn_certificate("a.example") && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  check_validation(manager->acme_tls_alpn_certificate("a.example"), token + kThumbprint);
  solver->cleanup(challenge);
  until = std::chrono::steady_clock::now() + 2s;
  while (manager->acme_tls_alpn_certificate("a.example") && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  CHECK_FALSE(manager->acme_tls_alpn_certificate("a.example"));
}

}  // namespace
}  // namespace certkeep
