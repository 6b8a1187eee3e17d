// SPDX-License-Identifier: Apache-2.0
#include "store/lineage_state.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

TEST_CASE("lineages: every field survives a round trip through bulk insert and find", "[store][lineages]") {
  auto store = memory_store();
  AccountRecord account;
  account.directory_url = "https://ca.test/dir";
  account.key_pem = core::Secret("KEY");
  const auto account_id = store->save_account(account).value().id;

  LineageRecord lineage = valid_lineage("example.com", t0() + 24h);
  lineage.account_id = account_id;
  lineage.settings = LineageSettings{.directory_url = "https://ca.test/dir",
                                     .ca_bundle = "/etc/ca.pem",
                                     .key_type = KeyType::Rsa2048,
                                     .challenge_method = ChallengeMethod::Webroot,
                                     .webroot = "/var/www",
                                     .http_listen = "127.0.0.1:8080",
                                     .preferred_chain = "ISRG Root X1",
                                     .deploy_hook = "systemctl reload nginx",
                                     .email = "a@b.c",
                                     .reuse_key = true};
  lineage.next_attempt_at = t0() + 2h;
  lineage.attempts = 3;
  lineage.last_error = "rateLimited";
  lineage.hook_pending_serial = lineage.serial;
  lineage.ari_cert_id = "ari.id";
  lineage.updated_at = t0();
  REQUIRE(store->insert_lineages_bulk({lineage}));

  auto found = store->find_lineage("example.com").value();
  REQUIRE(found);
  CHECK(found->name == lineage.name);
  CHECK(found->identifiers == lineage.identifiers);
  CHECK(found->account_id == account_id);
  CHECK(found->status == LineageStatus::Valid);
  CHECK(found->settings.directory_url == "https://ca.test/dir");
  CHECK(found->settings.ca_bundle == "/etc/ca.pem");
  CHECK(found->settings.key_type == KeyType::Rsa2048);
  CHECK(found->settings.challenge_method == ChallengeMethod::Webroot);
  CHECK(found->settings.webroot == "/var/www");
  CHECK(found->settings.http_listen == "127.0.0.1:8080");
  CHECK(found->settings.preferred_chain == "ISRG Root X1");
  CHECK(found->settings.deploy_hook == "systemctl reload nginx");
  CHECK(found->settings.email == "a@b.c");
  CHECK(found->settings.reuse_key);
  CHECK(found->key_pem == lineage.key_pem);
  CHECK(found->cert_pem == lineage.cert_pem);
  CHECK(found->chain_pem == lineage.chain_pem);
  CHECK(found->serial == lineage.serial);
  CHECK(found->issuer == lineage.issuer);
  CHECK(found->not_before == lineage.not_before);
  CHECK(found->not_after == lineage.not_after);
  CHECK(found->ari_cert_id == "ari.id");
  CHECK(found->renew_at == t0() + 24h);
  CHECK(found->next_attempt_at == t0() + 2h);
  CHECK(found->attempts == 3);
  CHECK(found->last_error == "rateLimited");
  CHECK(found->deployed_serial == lineage.serial);
  CHECK(found->hook_pending_serial == lineage.serial);
  CHECK(found->created_at == lineage.created_at);
  CHECK(found->updated_at == t0());
  CHECK_FALSE(store->find_lineage("other.example.com").value().has_value());
}

TEST_CASE("lineages: upsert inserts, then replaces settings, names and status but keeps the certificate",
          "[store][lineages]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("example.com");
  REQUIRE(store->upsert_lineage(lineage));
  auto inserted = store->find_lineage("example.com").value().value();
  CHECK(inserted.status == LineageStatus::Pending);
  CHECK(inserted.cert_pem.empty());
  CHECK(inserted.account_id == 0);
  CHECK(inserted.created_at == lineage.created_at);

  REQUIRE(store->commit_issuance("example.com", issued("01", t0() + 60 * 24h), HistoryKind::Issued));
  LineageRecord changed = pending_lineage("example.com");  // no certificate fields set
  changed.status = LineageStatus::Valid;
  changed.identifiers = {"example.com", "api.example.com", "www.example.com"};
  changed.settings.deploy_hook = "touch /tmp/reloaded";
  changed.settings.challenge_method = ChallengeMethod::Memory;
  REQUIRE(store->upsert_lineage(changed));

  auto after = store->find_lineage("example.com").value().value();
  CHECK(after.identifiers == changed.identifiers);
  CHECK(after.settings.deploy_hook == "touch /tmp/reloaded");
  CHECK(after.settings.challenge_method == ChallengeMethod::Memory);
  CHECK(after.serial == "01");
  CHECK(after.cert_pem == issued("01", t0()).cert_pem);
  CHECK(after.key_pem == issued("01", t0()).key_pem);
  CHECK(after.renew_at == t0() + 60 * 24h);
  CHECK(after.created_at == inserted.created_at);
}

TEST_CASE("lineages: upsert refuses a name-less lineage, bad identifiers and impossible status changes",
          "[store][lineages]") {
  auto store = memory_store();
  CHECK(store->upsert_lineage(pending_lineage("")).error().code() == Errc::InvalidArgument);
  LineageRecord newline = pending_lineage("example.com");
  newline.identifiers = {"a.example.com\nb.example.com"};
  CHECK(store->upsert_lineage(newline).error().code() == Errc::InvalidArgument);
  LineageRecord nameless = pending_lineage("example.com");
  nameless.identifiers.clear();
  CHECK(store->upsert_lineage(nameless).error().code() == Errc::InvalidArgument);

  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  REQUIRE(store->commit_issuance("example.com", issued("01", t0()), HistoryKind::Issued));
  LineageRecord back_to_pending = pending_lineage("example.com");  // a valid lineage has a certificate
  auto refused = store->upsert_lineage(back_to_pending);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::InvalidArgument);
  CHECK(store->find_lineage("example.com").value()->status == LineageStatus::Valid);
}

TEST_CASE("lineages: an account id must name an account", "[store][lineages]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("example.com");
  lineage.account_id = 99;
  auto saved = store->upsert_lineage(lineage);
  REQUIRE_FALSE(saved);
  CHECK(saved.error().code() == Errc::Store);
  CHECK_FALSE(store->find_lineage("example.com").value().has_value());
}

TEST_CASE("lineages: list is sorted by name", "[store][lineages]") {
  auto store = memory_store();
  for (const char* name : {"b.example.com", "a.example.com", "c.example.com"})
    REQUIRE(store->upsert_lineage(pending_lineage(name)));
  const auto lineages = store->list_lineages().value();
  std::vector<std::string> names;
  for (const auto& lineage : lineages) names.push_back(lineage.name);
  CHECK(names == std::vector<std::string>{"a.example.com", "b.example.com", "c.example.com"});
}

TEST_CASE("lineages: set_status follows the allowed transitions", "[store][lineages][state]") {
  auto store = memory_store();
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  auto to_revoked = store->set_status("example.com", LineageStatus::Revoked);  // nothing to revoke yet
  REQUIRE_FALSE(to_revoked);
  CHECK(to_revoked.error().code() == Errc::InvalidArgument);
  REQUIRE(store->commit_issuance("example.com", issued("01", t0()), HistoryKind::Issued));
  CHECK_FALSE(store->set_status("example.com", LineageStatus::Pending));  // it has a certificate
  REQUIRE(store->set_status("example.com", LineageStatus::Failed));
  REQUIRE(store->set_status("example.com", LineageStatus::Revoked));
  CHECK(store->find_lineage("example.com").value()->status == LineageStatus::Revoked);
  CHECK(store->set_status("missing.example.com", LineageStatus::Valid).error().code() == Errc::NotFound);
}

TEST_CASE("lineage states: staying put is always allowed, imported lineages are never renewed",
          "[store][state]") {
  using enum LineageStatus;
  for (LineageStatus s : {Pending, Valid, Failed, Revoked, Imported}) {
    CHECK(can_transition(s, s));
    CHECK(parse_lineage_status(to_string(s)) == s);
  }
  CHECK_FALSE(can_transition(Imported, Pending));
  CHECK_FALSE(can_transition(Imported, Failed));
  CHECK_FALSE(can_transition(Valid, Pending));
  CHECK(can_transition(Revoked, Valid));
  CHECK(can_transition(Failed, Valid));
  CHECK_FALSE(parse_lineage_status("Valid").has_value());
}

TEST_CASE("lineages: update_settings changes only the settings", "[store][lineages]") {
  auto store = memory_store();
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  REQUIRE(store->commit_issuance("example.com", issued("01", t0()), HistoryKind::Issued));
  LineageSettings settings;
  settings.directory_url = "https://other.test/dir";
  settings.deploy_hook = "reload";
  settings.reuse_key = true;
  REQUIRE(store->update_settings("example.com", settings));
  auto after = store->find_lineage("example.com").value().value();
  CHECK(after.settings.directory_url == "https://other.test/dir");
  CHECK(after.settings.deploy_hook == "reload");
  CHECK(after.settings.reuse_key);
  CHECK(after.settings.email.empty());
  CHECK(after.serial == "01");
  CHECK(after.status == LineageStatus::Valid);
  CHECK(store->update_settings("missing", settings).error().code() == Errc::NotFound);
}

TEST_CASE("lineages: remove drops the lineage and its order but keeps (and extends) its history",
          "[store][lineages]") {
  auto store = memory_store();
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  REQUIRE(store->commit_issuance("example.com", issued("01", t0()), HistoryKind::Issued));
  REQUIRE(store->save_order(
      OrderRecord{"example.com", "https://ca.test/order/2", "ready", core::Secret("K2"), t0()}));
  REQUIRE(store->remove_lineage("example.com"));
  CHECK_FALSE(store->find_lineage("example.com").value().has_value());
  CHECK_FALSE(store->find_order("example.com").value().has_value());
  auto history = store->events("example.com").value();
  REQUIRE(history.size() == 2);
  CHECK(history[0].kind == HistoryKind::Issued);
  CHECK(history[1].kind == HistoryKind::Removed);
  CHECK(history[1].serial == "01");
  CHECK(store->remove_lineage("example.com").error().code() == Errc::NotFound);
  // The name can be registered again from scratch.
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  CHECK(store->find_lineage("example.com").value()->serial.empty());
}

TEST_CASE("lineage summaries carry every field but the PEM texts", "[store][lineage]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("summary.example.com");
  REQUIRE(store->upsert_lineage(lineage));
  REQUIRE(store->commit_issuance(lineage.name, issued("ABCD", t0() + 24h * 60), HistoryKind::Issued));

  const auto full = store->list_lineages().value();
  const auto summaries = store->list_lineage_summaries().value();
  REQUIRE(full.size() == 1);
  REQUIRE(summaries.size() == 1);
  CHECK_FALSE(full[0].cert_pem.empty());
  CHECK(summaries[0].key_pem.empty());
  CHECK(summaries[0].cert_pem.empty());
  CHECK(summaries[0].chain_pem.empty());
  CHECK(summaries[0].name == full[0].name);
  CHECK(summaries[0].serial == "ABCD");
  CHECK(summaries[0].identifiers == full[0].identifiers);
  CHECK(summaries[0].not_after == full[0].not_after);
  CHECK(summaries[0].settings.directory_url == full[0].settings.directory_url);
}

}  // namespace
}  // namespace certkeep::store
