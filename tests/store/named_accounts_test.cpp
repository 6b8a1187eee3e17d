// SPDX-License-Identifier: Apache-2.0
// Accounts by name (schema v7): several per CA, External Account Binding and a pending key
// rollover kept with them, the lineages that use one, and its deactivation marking them.
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

AccountRecord named_account(const std::string& name, const std::string& url, const std::string& key) {
  AccountRecord account;
  account.name = name;
  account.directory_url = url;
  account.key_pem = core::Secret(key);
  account.created_at = t0();
  return account;
}

TEST_CASE("named accounts: every v7 field survives a round trip, names are unique", "[store][accounts]") {
  auto store = memory_store();
  AccountRecord account = named_account("zerossl-prod", "https://acme.zerossl.com/v2/DV90", "OLD-KEY");
  account.ca_bundle = "/etc/ca.pem";
  account.server_ca_checksum = "ab12";
  account.eab_key_id = "kid-1";
  account.eab_mac_key = core::Secret("c2VjcmV0");
  account.eab_algorithm = "HS384";
  account.next_key_pem = core::Secret("NEW-KEY");
  const AccountRecord saved = store->save_account(account).value();

  const auto found = store->find_account_by_name("zerossl-prod").value();
  REQUIRE(found);
  CHECK(found->id == saved.id);
  CHECK(found->ca_bundle == "/etc/ca.pem");
  CHECK(found->server_ca_checksum == "ab12");
  CHECK(found->eab_key_id == "kid-1");
  CHECK(found->eab_mac_key.view() == "c2VjcmV0");
  CHECK(found->eab_algorithm == "HS384");
  CHECK(found->next_key_pem.view() == "NEW-KEY");
  CHECK(found->key_pem.view() == "OLD-KEY");
  CHECK_FALSE(store->find_account_by_name("other").value().has_value());
  CHECK_FALSE(store->find_account_by_name("").value().has_value());

  // The rollover commits: the new key replaces the old in one write.
  AccountRecord committed = *found;
  committed.key_pem = committed.next_key_pem;
  committed.next_key_pem = core::Secret();
  REQUIRE(store->save_account(committed));
  const AccountRecord after = store->get_account(saved.id).value();
  CHECK(after.key_pem.view() == "NEW-KEY");
  CHECK(after.next_key_pem.empty());

  auto taken = store->save_account(named_account("zerossl-prod", "https://acme.zerossl.com/v2/DV90", "K2"));
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code() == Errc::InvalidArgument);
  CHECK_THAT(taken.error().message(), Catch::Contains("zerossl-prod"));
  // Nameless rows (stores before v7) do not collide with one another.
  REQUIRE(store->save_account(named_account("", "https://ca.test/dir", "K3")));
  REQUIRE(store->save_account(named_account("", "https://ca.test/dir", "K4")));
}

TEST_CASE("named accounts: list is oldest first, several per CA", "[store][accounts]") {
  auto store = memory_store();
  REQUIRE(store->save_account(named_account("le-1", "https://le.test/dir", "K1")));
  REQUIRE(store->save_account(named_account("zs", "https://zs.test/dir", "K2")));
  REQUIRE(store->save_account(named_account("le-2", "https://le.test/dir", "K3")));
  const auto all = store->list_accounts().value();
  REQUIRE(all.size() == 3);
  CHECK(all[0].name == "le-1");
  CHECK(all[1].name == "zs");
  CHECK(all[2].name == "le-2");
}

TEST_CASE("named accounts: deactivation marks the lineages that use the account, in one write",
          "[store][accounts]") {
  auto store = memory_store();
  const auto used = store->save_account(named_account("used", "https://ca.test/dir", "K1")).value();
  const auto other = store->save_account(named_account("other", "https://ca.test/dir", "K2")).value();
  for (const std::string name : {"b.example", "a.example"}) {
    LineageRecord lineage = valid_lineage(name, t0() + 24h);
    lineage.account_id = used.id;
    REQUIRE(store->upsert_lineage(lineage));
  }
  LineageRecord elsewhere = valid_lineage("c.example", t0() + 24h);
  elsewhere.account_id = other.id;
  REQUIRE(store->upsert_lineage(elsewhere));

  CHECK(store->lineages_using_account(used.id).value() == std::vector<std::string>{"a.example", "b.example"});
  const auto marked = store->record_account_deactivated(used.id, "account used is deactivated").value();
  CHECK(marked == std::vector<std::string>{"a.example", "b.example"});
  CHECK(store->get_account(used.id).value().status == AccountStatus::Deactivated);
  CHECK(store->get_account(other.id).value().status == AccountStatus::Valid);
  const auto a = store->find_lineage("a.example").value().value();
  CHECK(a.last_error == "account used is deactivated");
  const auto events = store->events("a.example", 10).value();
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().kind == HistoryKind::AccountDeactivated);
  CHECK(store->find_lineage("c.example").value().value().last_error.empty());

  auto missing = store->record_account_deactivated(9999, "x");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Errc::NotFound);
}

TEST_CASE("lineages: account, profile, CSR and fallback issuers survive a round trip", "[store][lineages]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("example.com");
  lineage.settings.account = "le-1";
  lineage.settings.profile = "shortlived";
  lineage.settings.csr_pem = "-----BEGIN CERTIFICATE REQUEST-----\nx\n-----END CERTIFICATE REQUEST-----\n";
  lineage.settings.fallback_after = std::chrono::seconds(600);
  lineage.settings.fallback_issuers = {
      IssuerEntry{IssuerKind::Acme, "https://127.0.0.1:15000/dir", "/tmp/b.pem", "cc", "second", "tlsserver", ""},
      IssuerEntry{IssuerKind::PrivateCa, "", "", "", "", "", "internal"}};
  REQUIRE(store->upsert_lineage(lineage));
  const auto found = store->find_lineage("example.com").value().value();
  CHECK(found.settings.account == "le-1");
  CHECK(found.settings.profile == "shortlived");
  CHECK(found.settings.csr_pem == lineage.settings.csr_pem);
  CHECK(found.settings.fallback_after == std::chrono::seconds(600));
  CHECK(found.settings.fallback_issuers == lineage.settings.fallback_issuers);

  LineageRecord bad = lineage;
  bad.settings.fallback_issuers[0].account = "tab\there";
  auto refused = store->upsert_lineage(bad);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::InvalidArgument);
  bad.settings.fallback_issuers[0] = IssuerEntry{.kind = IssuerKind::Imported};
  CHECK_FALSE(store->update_settings("example.com", bad.settings));
  CHECK(store->find_lineage("example.com").value().value().settings.fallback_issuers ==
        lineage.settings.fallback_issuers);
}

TEST_CASE("commit_issuance records the issuer and the account, failures record since when",
          "[store][issuance]") {
  auto store = memory_store();
  const auto account = store->save_account(named_account("fallback", "https://b.test/dir", "K")).value();
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  REQUIRE(store->record_failure("example.com", "unreachable", "", t0() + 1h));
  const auto first_failure = store->find_lineage("example.com").value().value().failing_since;
  REQUIRE(first_failure);
  REQUIRE(store->record_failure("example.com", "unreachable", "", t0() + 2h));
  CHECK(store->find_lineage("example.com").value().value().failing_since == first_failure);

  IssuedCertificate cert = issued("0B01", t0() + 24h);
  cert.key_pem = core::Secret();
  auto keyless = store->commit_issuance("example.com", cert, HistoryKind::Issued);
  REQUIRE_FALSE(keyless);  // an empty key only for a CSR's lineage
  CHECK(keyless.error().code() == Errc::InvalidArgument);
  cert.key_held_elsewhere = true;
  cert.issued_by = "https://b.test/dir";
  cert.account_id = account.id;
  REQUIRE(store->commit_issuance("example.com", cert, HistoryKind::Issued));
  const auto after = store->find_lineage("example.com").value().value();
  CHECK(after.key_pem.empty());
  CHECK(after.issued_by == "https://b.test/dir");
  CHECK(after.account_id == account.id);
  CHECK_FALSE(after.failing_since.has_value());

  // account_id 0 leaves the lineage's account as it was.
  IssuedCertificate next = issued("0B02", t0() + 48h);
  next.issued_by = "private CA internal";
  REQUIRE(store->commit_issuance("example.com", next, HistoryKind::Renewed));
  const auto renewed = store->find_lineage("example.com").value().value();
  CHECK(renewed.account_id == account.id);
  CHECK(renewed.issued_by == "private CA internal");
}

}  // namespace
}  // namespace certkeep::store
