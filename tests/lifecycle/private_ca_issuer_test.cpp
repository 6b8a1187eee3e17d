// SPDX-License-Identifier: Apache-2.0
// Lineages of certkeep's private CA go through the same issue/renew/deploy path as ACME ones:
// the issuer signs, the renewer renews by the 1/3 rule, and a rotation (or a replacement)
// keeps every leaf verifiable until it is renewed onto the new root.
#include <catch2/catch.hpp>

#include <atomic>

#include "crypto/certificate.hpp"
#include "lifecycle/app.hpp"
#include "lifecycle/import.hpp"
#include "lifecycle/private_ca.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;
using namespace certkeep::lifecycle;
using namespace std::chrono_literals;

namespace {

struct PrivateCaFixture {
  PrivateCaFixture() : dir("private-ca"), clock(std::chrono::system_clock::now()) {
    AppOptions options;
    options.state_dir = dir.path() / "state";
    options.clock = &clock;
    // A private-CA lineage never talks to an ACME server: any attempt is counted and fails.
    options.make_transport =
        [this](const store::LineageSettings&) -> Result<std::unique_ptr<http::Transport>> {
      ++transports_made;
      return fail(Errc::Internal, "no ACME server in this test");
    };
    app = App::open(std::move(options)).value();
  }
  store::Store& store() { return app->services().store; }

  IssueRequest request(const std::string& name, const std::string& ca = "internal") {
    IssueRequest r;
    r.lineage = name;
    r.names = {name, "www." + name};
    r.settings.issuer_kind = store::IssuerKind::PrivateCa;
    r.settings.ca_name = ca;
    return r;
  }
  std::string root_pem(int generation) {
    const auto generations = store().private_ca_generations("internal").value();
    for (const auto& g : generations)
      if (g.generation == generation) return g.cert_pem;
    FAIL("no generation " << generation);
    return {};
  }
  std::size_t exported() { return exported_roots(store(), "internal").value().size(); }
  RenewResult renew(const std::string& name, bool force = false) {
    auto summary = app->renew(RenewSelection{.name = name, .force = force, .concurrency = 1});
    REQUIRE(summary);
    REQUIRE(summary->results.size() == 1);
    return summary->results.front();
  }

  testing::TempDir dir;
  testing::FakeClock clock;
  std::atomic<int> transports_made{0};
  std::unique_ptr<App> app;
};

}  // namespace

TEST_CASE("private CA: issue signs a leaf that verifies against the exported root",
          "[lifecycle][private-ca]") {
  PrivateCaFixture f;
  REQUIRE(init_private_ca(f.store(), CaOptions{.name = "internal"}, false, f.clock.now()));
  auto issued = f.app->issue(f.request("svc.internal"));
  INFO((issued ? std::string() : issued.error().to_string()));
  REQUIRE(issued);
  CHECK(f.transports_made == 0);
  CHECK(issued->status == store::LineageStatus::Valid);
  CHECK(issued->deployed_serial == issued->serial);
  CHECK(issued->chain_pem == f.root_pem(1));
  const auto roots = exported_roots(f.store(), "internal").value();
  REQUIRE(roots.size() == 1);
  CHECK(crypto::verify_chain(issued->cert_pem, "", roots.front()));

  const crypto::CertificateInfo info = crypto::inspect_certificate(issued->cert_pem).value();
  CHECK(info.dns_names == std::vector<std::string>{"svc.internal", "www.svc.internal"});
  CHECK(info.issuer_cn == "internal");
  CHECK(info.serial_hex.size() >= 30);  // 128 random bits, a leading zero nibble or two aside
  const auto lifetime = info.not_after - f.clock.now();  // whole seconds in the certificate
  CHECK(lifetime <= std::chrono::seconds(kDefaultLeafLifetime));
  CHECK(lifetime > std::chrono::seconds(kDefaultLeafLifetime) - 1s);
  // The 1/3 rule: due with a third of the lifetime left (within the jitter the policy adds).
  REQUIRE(issued->renew_at);
  const auto left_at_renewal = info.not_after - *issued->renew_at;
  CHECK(left_at_renewal > 25 * 24h);
  CHECK(left_at_renewal < 35 * 24h);
  CHECK(f.app->show("svc.internal").value().lineage.settings.ca_name == "internal");
}

TEST_CASE("private CA: a lineage of a CA that does not exist is refused before anything is stored",
          "[lifecycle][private-ca]") {
  PrivateCaFixture f;
  auto issued = f.app->issue(f.request("svc.internal", "missing"));
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == Errc::NotFound);
  CHECK_THAT(issued.error().message(), Catch::Contains("certkeep ca init"));
  CHECK_FALSE(f.store().find_lineage("svc.internal").value());
  auto bad_name = init_private_ca(f.store(), CaOptions{.name = "../etc"}, false, f.clock.now());
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().code() == Errc::InvalidArgument);
}

TEST_CASE("private CA: renew follows the 1/3 rule and the lifetime the lineage chose",
          "[lifecycle][private-ca]") {
  PrivateCaFixture f;
  REQUIRE(init_private_ca(f.store(), CaOptions{.name = "internal"}, false, f.clock.now()));
  IssueRequest request = f.request("short.internal");
  request.settings.leaf_lifetime = 30 * 24h;
  const auto first = f.app->issue(request).value();
  CHECK(*first.not_after - *first.not_before == 30 * 24h + 1min);

  CHECK(f.renew("short.internal").outcome == RenewOutcome::NotDue);
  f.clock.advance(std::chrono::duration_cast<std::chrono::seconds>(*first.renew_at - f.clock.now()) + 1s);
  const RenewResult renewed = f.renew("short.internal");
  INFO((renewed.error ? renewed.error->to_string() : std::string()));
  CHECK(renewed.outcome == RenewOutcome::Renewed);
  const auto after = f.app->show("short.internal").value();
  CHECK(after.lineage.serial != first.serial);
  CHECK(after.lineage.deployed_serial == after.lineage.serial);
  CHECK(*after.lineage.not_after - *after.lineage.not_before == 30 * 24h + 1min);
  CHECK(after.lineage.key_pem.view() != first.key_pem.view());  // a new key unless --reuse-key
  CHECK(crypto::verify_chain_links(after.lineage.cert_pem, after.lineage.chain_pem));
  CHECK(f.transports_made == 0);
}

TEST_CASE("private CA: a rotation exports both roots, then moves every leaf to the new one",
          "[lifecycle][private-ca]") {
  PrivateCaFixture f;
  REQUIRE(init_private_ca(f.store(), CaOptions{.name = "internal"}, false, f.clock.now()));
  const auto old_leaf = f.app->issue(f.request("a.internal")).value();

  REQUIRE(rotate_private_ca(f.store(), CaOptions{.name = "internal", .key_type = KeyType::EcdsaP384}));
  CHECK(f.exported() == 2);
  // Until it is activated, the next root signs nothing: a new lineage still gets generation 1.
  const auto before_activation = f.app->issue(f.request("b.internal")).value();
  CHECK(before_activation.chain_pem == f.root_pem(1));
  CHECK(f.renew("a.internal").outcome == RenewOutcome::NotDue);

  CHECK(activate_private_ca(f.store(), "internal", f.clock.now()).value() == 2);
  // The retired root is still exported: two leaves chain to it.
  CHECK(f.exported() == 2);
  CHECK(crypto::verify_chain(old_leaf.cert_pem, "", exported_roots(f.store(), "internal").value().back()));

  for (const char* name : {"a.internal", "b.internal"}) {
    const RenewResult renewed = f.renew(name);
    INFO(name << ": " << (renewed.error ? renewed.error->to_string() : std::string()));
    CHECK(renewed.outcome == RenewOutcome::Renewed);
    const auto lineage = f.app->show(name).value().lineage;
    CHECK(lineage.chain_pem == f.root_pem(2));
    CHECK(crypto::verify_chain(lineage.cert_pem, "", f.root_pem(2)));
  }
  // Nothing chains to generation 1 any more: only the new root is exported.
  const auto roots = exported_roots(f.store(), "internal").value();
  REQUIRE(roots.size() == 1);
  CHECK(roots.front() == f.root_pem(2));
}

TEST_CASE("private CA: init --force replaces the root and keeps the old one exported until renewal",
          "[lifecycle][private-ca]") {
  PrivateCaFixture f;
  REQUIRE(init_private_ca(f.store(), CaOptions{.name = "internal"}, false, f.clock.now()));
  REQUIRE(f.app->issue(f.request("a.internal")));
  auto refused = init_private_ca(f.store(), CaOptions{.name = "internal"}, false, f.clock.now());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::InvalidArgument);
  CHECK_THAT(refused.error().message(), Catch::Contains("--force"));
  CHECK(f.store().private_ca_generations("internal").value().size() == 1);

  REQUIRE(init_private_ca(f.store(), CaOptions{.name = "internal", .common_name = "Internal Root 2"}, true,
                          f.clock.now()));
  CHECK(f.exported() == 2);
  CHECK(f.renew("a.internal").outcome == RenewOutcome::Renewed);  // made due by the replacement
  CHECK(f.exported() == 1);
  const auto renewed = f.app->show("a.internal").value().lineage;
  CHECK(crypto::inspect_certificate(renewed.cert_pem).value().issuer_cn == "Internal Root 2");
  const auto listed = list_private_cas(f.store()).value();
  REQUIRE(listed.size() == 2);
  CHECK(listed.front().generation == 2);
  CHECK(listed.front().state == store::CaState::Active);
  CHECK(listed.back().state == store::CaState::Retired);
}

TEST_CASE("private CA: a private-CA lineage cannot be revoked at an ACME CA", "[lifecycle][private-ca]") {
  PrivateCaFixture f;
  REQUIRE(init_private_ca(f.store(), CaOptions{.name = "internal"}, false, f.clock.now()));
  REQUIRE(f.app->issue(f.request("a.internal")));
  auto revoked = f.app->revoke("a.internal", "");
  REQUIRE_FALSE(revoked);
  CHECK(revoked.error().code() == Errc::InvalidArgument);
  CHECK(f.transports_made == 0);
}

TEST_CASE("imported: the warning period decides when an imported certificate is expiring",
          "[lifecycle][import]") {
  const core::SystemTime now = core::from_unix(1'800'000'000);
  store::LineageRecord lineage;
  lineage.name = "byo.test";
  lineage.serial = "01";
  lineage.settings.issuer_kind = store::IssuerKind::Imported;
  lineage.not_after = now + 15 * 24h;
  CHECK(expiry_warning_of(lineage.settings) == std::chrono::seconds(kDefaultExpiryWarning));
  CHECK_FALSE(imported_expiring(lineage, now));
  CHECK(imported_expiring(lineage, now + 2 * 24h));
  lineage.settings.expiry_warning = 20 * 24h;
  CHECK(imported_expiring(lineage, now));
  lineage.settings.issuer_kind = store::IssuerKind::Acme;  // ACME lineages renew; no warning
  CHECK_FALSE(imported_expiring(lineage, now + 14 * 24h));
}

TEST_CASE("imported: renew reports an expiring imported certificate and records one event per serial",
          "[lifecycle][import]") {
  PrivateCaFixture f;
  store::LineageRecord lineage;
  lineage.name = "byo.test";
  lineage.identifiers = {"byo.test"};
  lineage.settings.issuer_kind = store::IssuerKind::Imported;
  REQUIRE(f.store().upsert_lineage(lineage));
  store::IssuedCertificate cert;
  cert.key_pem = core::Secret("KEY");
  cert.cert_pem = "CERT";
  cert.serial = "0A";
  cert.not_before = f.clock.now() - 24h;
  cert.not_after = f.clock.now() + 10 * 24h;
  REQUIRE(f.store().commit_issuance("byo.test", cert, store::HistoryKind::Imported));
  for (int pass = 0; pass < 2; ++pass) {
    auto summary = f.app->renew(RenewSelection{.concurrency = 1});
    REQUIRE(summary);
    CHECK(summary->results.empty());  // never renewed
    REQUIRE(summary->expiring.size() == 1);
    CHECK(summary->expiring.front().serial == "0A");
  }
  std::size_t warnings = 0;
  const auto details = f.app->show("byo.test", 0).value();
  for (const auto& event : details.events)
    warnings += event.kind == store::HistoryKind::ExpiryWarning ? 1 : 0;
  CHECK(warnings == 1);
  auto dry = f.app->renew(RenewSelection{.dry_run = true, .concurrency = 1});
  REQUIRE(dry);
  CHECK(dry->expiring.size() == 1);
}
