// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <thread>

#include "store/schema.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

// A store left by an older certkeep: only the steps up to `version` applied.
void build_old_store(const std::string& location, int version) {
  auto db = raw_connection(location);
  REQUIRE(migrate(*db, version).value() == version);
  REQUIRE(db->schema_version().value() == version);
  if (version == 0) return;
  // Rows written with version 1's columns, which every later version keeps.
  raw_execute(
      *db,
      "INSERT INTO accounts (id, directory_url, account_url, key_pem, contact, status, created_at) "
      "VALUES (7, 'https://ca.test/dir', 'https://ca.test/acct/7', 'ACCOUNT KEY', 'mailto:a@b', 'valid', "
      "1700000000)");
  auto lineage =
      db->prepare(
            "INSERT INTO certificates (name, identifiers, account_id, status, deploy_hook, key_pem, "
            "cert_pem, chain_pem, serial, not_before, not_after, renew_at, deployed_serial, "
            "created_at, updated_at) VALUES ('old.example.com', ?1, 7, 'valid', 'systemctl reload "
            "nginx', 'KEY', 'CERT', 'CHAIN', 'ABC123', 1700000000, 1707776000, ?2, 'ABC123', "
            "1700000000, 1700000000)")
          .value();
  lineage->bind_text(1, "old.example.com\nwww.old.example.com");
  lineage->bind_int64(2, static_cast<std::int64_t>(core::to_unix(t0())));
  REQUIRE(lineage->execute().value() == 1);
  // From version 5 on, certkeep kept each servable lineage's row beside it.
  if (version >= 5)
    raw_execute(*db,
                "INSERT INTO servable_lineages (name, identifiers, serial, not_after) SELECT name, "
                "identifiers, serial, not_after FROM certificates");
  raw_execute(*db,
              "INSERT INTO orders (lineage, order_url, status, key_pem, created_at) "
              "VALUES ('old.example.com', 'https://ca.test/order/1', 'pending', 'NEW KEY', 1700000100)");
  raw_execute(*db,
              "INSERT INTO events (lineage, kind, serial, detail, at) "
              "VALUES ('old.example.com', 'issued', 'ABC123', 'first', 1700000000)");
  // Leases exist from version 2: one held by a renewer of an older certkeep, long expired.
  if (version >= 2)
    raw_execute(*db, "INSERT INTO leases (name, owner, expires_at) VALUES ('old.example.com', 'old-renewer', 1700000000)");
}

bool has_column(sql::Connection& db, const std::string& table, const std::string& column) {
  const auto columns = db.columns(table).value();
  return std::any_of(columns.begin(), columns.end(), [&](const sql::Column& c) { return c.name == column; });
}

TEST_CASE("every schema version up to the current one is reached by its own step", "[store][migration]") {
  auto steps = migration_steps();
  REQUIRE(!steps.empty());
  for (std::size_t i = 0; i < steps.size(); ++i) CHECK(steps[i].version == static_cast<int>(i) + 1);
  CHECK(steps.back().version == kCurrentSchemaVersion);
}

TEST_CASE("a store opens from every earlier schema version and keeps its rows", "[store][migration]") {
  for (int version = 0; version < kCurrentSchemaVersion; ++version) {
    DYNAMIC_SECTION("from version " << version) {
      TempDir dir;
      build_old_store(dir.store(), version);
      auto store = open_store(dir.store());
      CHECK(store->schema_version() == kCurrentSchemaVersion);
      if (version == 0) {
        CHECK(store->list_lineages().value().empty());
        continue;
      }
      auto account = store->get_account(7).value();
      CHECK(account.account_url == "https://ca.test/acct/7");
      CHECK(account.key_pem.view() == "ACCOUNT KEY");
      auto lineage = store->find_lineage("old.example.com").value();
      REQUIRE(lineage);
      CHECK(lineage->identifiers == std::vector<std::string>{"old.example.com", "www.old.example.com"});
      CHECK(lineage->account_id == 7);
      CHECK(lineage->status == LineageStatus::Valid);
      CHECK(lineage->settings.deploy_hook == "systemctl reload nginx");
      CHECK(lineage->serial == "ABC123");
      CHECK(lineage->renew_at == t0());
      CHECK(store->find_order("old.example.com").value()->key_pem.view() == "NEW KEY");
      CHECK(store->events("old.example.com").value().size() == 1);
      // Version 2's additions work on the old rows: the computed due time and the leases.
      CHECK(store->due_lineages(t0() - 1s).value().empty());
      CHECK(store->due_lineages(t0()).value().size() == 1);
      CHECK(store->next_due_time().value() == t0());
      CHECK(store->try_acquire_lease("old.example.com", "me", t0(), 60s).value());
      // Version 3's: old certificates have no renewalInfo poll until they are renewed.
      CHECK_FALSE(lineage->ari_check_at);
      CHECK(store->ari_check_due(t0() + 24h * 365).value().empty());
      // Version 4's: every lineage before it was issued by an ACME CA; no private CA exists.
      CHECK(lineage->settings.issuer_kind == IssuerKind::Acme);
      CHECK(lineage->settings.ca_name.empty());
      CHECK(lineage->settings.leaf_lifetime == 0s);
      CHECK(store->private_ca_names().value().empty());
      // Version 5's: the servable lineages are copied into servable_lineages by the step (the
      // fixture's own v5 store has no such row: only the step writes it).
      if (version < 5) {
        std::vector<ServableLineageRecord> servable;
        REQUIRE(store->for_each_servable_lineage([&](const ServableLineageRecord& row) { servable.push_back(row); }));
        REQUIRE(servable.size() == 1);
        CHECK(servable[0].name == "old.example.com");
        CHECK(servable[0].identifiers == lineage->identifiers);
        CHECK(servable[0].serial == "ABC123");
        CHECK(servable[0].not_after == lineage->not_after);
      }
      // Version 6's: old lineages prove their names by HTTP-01 and have no DNS method, no
      // per-name choice and no DNS records to remove.
      CHECK(lineage->settings.dns.method == DnsMethod::None);
      CHECK(lineage->settings.dns.ttl == 60s);
      CHECK(lineage->settings.tls_alpn_listen == ":443");
      CHECK(lineage->settings.challenge_overrides.empty());
      CHECK(store->lineages_with_dns_records().value().empty());
      // Version 7's: the old account gets its name on first use; no EAB, no rollover pending; the
      // lineage names no account, profile, CSR or fallback, and has no issuer recorded yet.
      CHECK(account.name.empty());
      CHECK(account.eab_key_id.empty());
      CHECK(account.next_key_pem.empty());
      CHECK(lineage->settings.account.empty());
      CHECK(lineage->settings.fallback_issuers.empty());
      CHECK(lineage->settings.fallback_after == 24h);
      CHECK(lineage->issued_by.empty());
      CHECK_FALSE(lineage->failing_since);
      // Version 8's: no targets, no verdict, no notice yet; the last success comes from the
      // history ('issued' at 1700000000), there was no failure. (Only the step writes the last
      // success: the fixture's own v8 rows are inserted after it.)
      CHECK(lineage->settings.confirm_targets.empty());
      CHECK(lineage->settings.haproxy_targets.empty());
      CHECK(lineage->confirmation == ConfirmationState::None);
      CHECK(lineage->expiry_notified_serial.empty());
      if (version < 8) CHECK(lineage->last_success_at == core::from_unix(1700000000));
      CHECK_FALSE(lineage->last_failure_at);
      CHECK(store->expiry_notice_due(core::from_unix(1707776000)).value().size() == 1);
      // Version 9's: a lease row of an older version has fencing token 0, so taking it over
      // above handed out token 1 (as does a lineage's first lease); the change feed and the
      // shared challenge answers start empty.
      CHECK(store->lease_of("old.example.com").value()->token == 1);
      CHECK(store->lease_of("old.example.com").value()->owner == "me");
      CHECK(store->latest_change().value() == 0);
      CHECK(store->pending_challenges(ChallengeKind::Http01, t0()).value().empty());
    }
  }
}

TEST_CASE("an upgrade that fails part way leaves the store at the version it started from",
          "[store][migration]") {
  TempDir dir;
  build_old_store(dir.store(), 1);
  {
    // An index already named like the one the last step creates: v2 applies, then v3 fails.
    auto db = raw_connection(dir.store());
    raw_execute(*db, "CREATE INDEX certificates_ari_check ON accounts(status)");
    auto migrated = migrate(*db);
    REQUIRE_FALSE(migrated);
    CHECK(migrated.error().code() == Errc::Store);
    CHECK(db->schema_version().value() == 1);
    // Nothing of v2 stayed either: its generated column is not there.
    CHECK_FALSE(has_column(*db, "certificates", "due_at"));
    raw_execute(*db, "DROP INDEX certificates_ari_check");
  }
  auto store = open_store(dir.store());
  CHECK(store->schema_version() == kCurrentSchemaVersion);
  CHECK(store->find_lineage("old.example.com").value().has_value());
}

TEST_CASE("migrating twice is a no-op, and two stores opening a new file migrate it once",
          "[store][migration]") {
  TempDir dir;
  open_store(dir.store());
  {
    auto db = raw_connection(dir.store());
    CHECK(migrate(*db).value() == kCurrentSchemaVersion);
  }
  TempDir fresh;
  const std::string location = fresh.store();
  Result<std::unique_ptr<Store>> a = fail(Errc::Internal, "not run");
  Result<std::unique_ptr<Store>> b = fail(Errc::Internal, "not run");
  std::thread first([&] { a = Store::open(location); });
  std::thread second([&] { b = Store::open(location); });
  first.join();
  second.join();
  INFO((a ? std::string() : a.error().to_string()) << (b ? std::string() : b.error().to_string()));
  REQUIRE(a);
  REQUIRE(b);
  CHECK((*a)->schema_version() == kCurrentSchemaVersion);
  CHECK((*b)->schema_version() == kCurrentSchemaVersion);
}

// `store migrate` copies the tables store_tables() lists, parents first: a table a step adds
// and the list lacks would still be copied, but after the tables it may refer to only by luck.
TEST_CASE("every table the schema creates is in the store's table list", "[store][migration]") {
  TempDir dir;
  open_store(dir.store());
  auto db = raw_connection(dir.store());
  std::vector<std::string> listed;
  for (const StoreTable& table : store_tables()) listed.emplace_back(table.name);
  std::sort(listed.begin(), listed.end());
  CHECK(db->table_names().value() == listed);
}

}  // namespace
}  // namespace certkeep::store
