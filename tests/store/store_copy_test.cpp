// SPDX-License-Identifier: Apache-2.0
// Copying a store to another (`certkeep store migrate`): from an SQLite file into the engine
// the tests run on (another SQLite file, or a PostgreSQL schema), and back.
#include <fstream>
#include <map>
#include <sstream>

#include "store/schema.hpp"
#include "store/store_copy.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string time_text(const std::optional<core::SystemTime>& t) {
  return t ? std::to_string(core::to_unix(*t)) : "null";
}

// Everything the Store shows of itself, one line per fact, in a fixed order: two stores with
// equal dumps hold the same lineages, accounts, orders, events and private CAs.
std::string dump(Store& store, const std::vector<std::int64_t>& account_ids) {
  std::ostringstream out;
  for (std::int64_t id : account_ids) {
    const AccountRecord a = store.get_account(id).value();
    out << "account " << a.id << " " << a.directory_url << " " << a.account_url << " " << a.key_pem.view()
        << " " << a.contact << " " << to_string(a.status) << " " << core::to_unix(a.created_at) << "\n";
  }
  const std::vector<LineageRecord> lineages = store.list_lineages().value();
  for (const LineageRecord& l : lineages) {
    const LineageSettings& s = l.settings;
    out << "lineage " << l.name << " [";
    for (const std::string& identifier : l.identifiers) out << identifier << ",";
    out << "] " << l.account_id << " " << to_string(l.status) << " " << to_string(s.issuer_kind) << " "
        << s.ca_name << " " << s.leaf_lifetime.count() << " " << s.expiry_warning.count() << " "
        << s.directory_url << " " << s.ca_bundle << " " << s.server_ca_checksum << " "
        << to_string(s.key_type) << " " << to_string(s.challenge_method) << " " << s.webroot << " "
        << s.http_listen << " " << s.preferred_chain << " " << s.deploy_hook << " " << s.email << " "
        << s.reuse_key << " | " << l.key_pem.view() << l.cert_pem << l.chain_pem << " " << l.serial << " "
        << l.issuer << " " << time_text(l.not_before) << " " << time_text(l.not_after) << " " << l.ari_cert_id
        << " " << time_text(l.renew_at) << " " << time_text(l.next_attempt_at) << " " << l.attempts << " "
        << l.last_error << " " << l.deployed_serial << " " << l.hook_pending_serial << " "
        << core::to_unix(l.created_at) << " " << core::to_unix(l.updated_at) << " "
        << time_text(l.ari_check_at) << " " << l.placeholder_serial << "\n";
    if (auto order = store.find_order(l.name).value())
      out << "  order " << order->order_url << " " << order->status << " " << order->key_pem.view() << " "
          << core::to_unix(order->created_at) << "\n";
    const std::vector<EventRecord> events = store.events(l.name, 1000).value();
    for (const EventRecord& e : events)
      out << "  event " << e.id << " " << to_string(e.kind) << " " << e.serial << " " << e.detail << " "
          << core::to_unix(e.at) << "\n";
  }
  const std::vector<std::string> names = store.private_ca_names().value();
  for (const std::string& name : names) {
    const std::vector<PrivateCaRecord> generations = store.private_ca_generations(name).value();
    for (const PrivateCaRecord& ca : generations)
      out << "ca " << ca.name << " " << ca.generation << " " << to_string(ca.state) << " "
          << to_string(ca.key_type) << " " << ca.key_pem.view() << " " << ca.cert_pem << " "
          << core::to_unix(ca.created_at) << "\n";
  }
  out << "next due " << time_text(store.next_due_time().value()) << "\n";
  return out.str();
}

// A store with one of everything: an account, an ACME lineage with a certificate, a failure,
// a deployment and an order; a private CA in two generations and a lineage it issued; an
// imported certificate; a pending lineage; a removed one whose history stays; a lease.
std::vector<std::int64_t> populate(Store& store) {
  AccountRecord account;
  account.directory_url = "https://127.0.0.1:14000/dir";
  account.account_url = "https://127.0.0.1:14000/my-account/1";
  account.key_pem = core::Secret("ACCOUNT KEY");
  account.contact = "mailto:ops@example.com";
  account.created_at = t0();
  const std::int64_t first = store.save_account(account).value().id;
  account.directory_url = "https://acme.example/dir";
  const std::int64_t second = store.save_account(account).value().id;

  LineageRecord acme = pending_lineage("acme.example.com");
  acme.account_id = first;
  acme.settings.deploy_hook = "systemctl reload nginx";
  REQUIRE(store.upsert_lineage(acme));
  IssuedCertificate cert = issued("0A01", t0() + 60 * 24h);
  cert.ari_check_at = t0() + 6h;
  REQUIRE(store.commit_issuance(acme.name, cert, HistoryKind::Issued));
  REQUIRE(store.record_deployed(acme.name, "0A01"));
  REQUIRE(store.record_hook_result(acme.name, "0A01", false, "exit 3\nline two \xC3\xA9"));
  REQUIRE(store.record_failure(acme.name, "timeout", "{\"type\":\"urn:x\"}", t0() + 1h));
  REQUIRE(store.save_order(
      OrderRecord{acme.name, "https://ca.test/order/9", "processing", core::Secret("NEW KEY"), t0()}));

  PrivateCaRecord ca{.name = "internal",
                     .state = CaState::Active,
                     .key_type = KeyType::EcdsaP384,
                     .key_pem = core::Secret("CA KEY 1"),
                     .cert_pem = "ROOT 1",
                     .created_at = t0()};
  REQUIRE(store.add_private_ca(ca));
  ca.state = CaState::Next;
  ca.key_pem = core::Secret("CA KEY 2");
  ca.cert_pem = "ROOT 2";
  REQUIRE(store.add_private_ca(ca));
  LineageRecord internal = pending_lineage("app.internal");
  internal.settings.issuer_kind = IssuerKind::PrivateCa;
  internal.settings.ca_name = "internal";
  internal.settings.leaf_lifetime = std::chrono::seconds(30 * 86400);
  REQUIRE(store.upsert_lineage(internal));
  REQUIRE(store.commit_issuance(internal.name, issued("0B02", t0() + 20 * 24h), HistoryKind::Issued));

  LineageRecord bought = pending_lineage("shop.example.com");
  bought.settings.issuer_kind = IssuerKind::Imported;
  bought.settings.expiry_warning = std::chrono::seconds(21 * 86400);
  bought.settings.challenge_method = ChallengeMethod::Webroot;
  bought.settings.webroot = "/var/www/html";
  REQUIRE(store.upsert_lineage(bought));
  REQUIRE(store.commit_issuance(bought.name, issued("0C03", t0() + 80 * 24h), HistoryKind::Imported));

  REQUIRE(store.upsert_lineage(pending_lineage("pending.example.com")));
  REQUIRE(store.upsert_lineage(pending_lineage("gone.example.com")));
  REQUIRE(store.remove_lineage("gone.example.com"));
  REQUIRE(store.try_acquire_lease(acme.name, "boot:1:2:3", t0(), std::chrono::seconds(600)).value());
  return {first, second};
}

TEST_CASE("store copy: every row of every table arrives, checked, and the source stays as it was",
          "[store][copy]") {
  TempDir source_dir;
  const std::string source = source_dir.db().string();
  std::vector<std::int64_t> accounts;
  std::string source_dump;
  {
    auto store = open_store(source);
    accounts = populate(*store);
    source_dump = dump(*store, accounts);
  }
  const std::string bytes_before = file_bytes(source);

  TempDir target_dir;
  auto report = copy_store(source, target_dir.store());
  INFO((report ? std::string() : report.error().to_string()));
  REQUIRE(report);
  CHECK(report->schema_version == kCurrentSchemaVersion);
  std::map<std::string, std::int64_t> rows;
  for (const CopiedTable& table : report->tables) rows[table.name] = table.rows;
  CHECK(rows == std::map<std::string, std::int64_t>{{"accounts", 2},
                                                    {"certificates", 4},
                                                    {"orders", 1},
                                                    {"events", 7},
                                                    {"leases", 1},
                                                    {"private_cas", 2},
                                                    {"servable_lineages", 3}});
  CHECK(report->tables.front().name == "accounts");  // parents first
  CHECK(file_bytes(source) == bytes_before);

  auto copied = open_store(target_dir.store());
  CHECK(dump(*copied, accounts) == source_dump);
  // The history of the removed lineage came along too.
  CHECK(copied->events("gone.example.com").value().size() == 1);
  // New rows get ids after the copied ones (PostgreSQL's identity sequences were moved on).
  AccountRecord account;
  account.directory_url = "https://new.example/dir";
  account.key_pem = core::Secret("K");
  CHECK(copied->save_account(account).value().id > accounts.back());
  const std::int64_t last_event = copied->events("acme.example.com").value().back().id;
  REQUIRE(copied->append_event(EventRecord{0, "acme.example.com", HistoryKind::Deployed, "0A01", "", t0()}));
  CHECK(copied->events("acme.example.com").value().back().id > last_event);
  // The servable lineages came along, and a new one gets its row after them.
  std::size_t servable = 0;
  REQUIRE(copied->for_each_servable_lineage([&](const ServableLineageRecord&) { ++servable; }));
  CHECK(servable == 3);
  REQUIRE(copied->insert_lineages_bulk({valid_lineage("late.example.com", t0())}));
  std::string last_servable;
  REQUIRE(copied->for_each_servable_lineage([&](const ServableLineageRecord& row) { last_servable = row.name; }));
  CHECK(last_servable == "late.example.com");
  // The lease came along: another owner is refused until it expires.
  CHECK_FALSE(copied
                  ->try_acquire_lease("acme.example.com", "other", t0() + std::chrono::seconds(1),
                                      std::chrono::seconds(60))
                  .value());
}

TEST_CASE("store copy: a target that is not empty is refused and keeps what it had", "[store][copy]") {
  TempDir source_dir;
  { populate(*open_store(source_dir.db().string())); }
  TempDir target_dir;
  {
    auto target = open_store(target_dir.store());
    REQUIRE(target->upsert_lineage(pending_lineage("already.example.com")));
  }
  auto report = copy_store(source_dir.db().string(), target_dir.store());
  REQUIRE_FALSE(report);
  CHECK(report.error().code() == Errc::Store);
  CHECK_THAT(report.error().message(), Catch::Contains("is not empty") && Catch::Contains("certificates"));
  auto target = open_store(target_dir.store());
  const auto lineages = target->list_lineages().value();
  REQUIRE(lineages.size() == 1);
  CHECK(lineages.front().name == "already.example.com");
}

TEST_CASE("store copy: no store at the source, or the same store twice, is refused", "[store][copy]") {
  TempDir dir;
  TempDir target_dir;
  auto missing = copy_store((dir.path() / "absent.db").string(), target_dir.store());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Errc::Store);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "absent.db"));  // read-only: nothing created
  auto same = copy_store(dir.db().string(), dir.db().string());
  REQUIRE_FALSE(same);
  CHECK(same.error().code() == Errc::InvalidArgument);
}

TEST_CASE("store copy: an older store arrives at its own version and opens at the current one",
          "[store][copy][migration]") {
  TempDir source_dir;
  const std::string source = source_dir.db().string();
  {
    auto db = raw_connection(source);
    REQUIRE(migrate(*db, 3).value() == 3);
    raw_execute(
        *db,
        "INSERT INTO certificates (name, identifiers, status, serial, created_at, updated_at, renew_at) "
        "VALUES ('old.example.com', 'old.example.com', 'valid', 'AB', 1700000000, 1700000000, 1800000000)");
  }
  TempDir target_dir;
  auto report = copy_store(source, target_dir.store());
  INFO((report ? std::string() : report.error().to_string()));
  REQUIRE(report);
  CHECK(report->schema_version == 3);
  CHECK(raw_connection(target_dir.store())->schema_version().value() == 3);
  auto copied = open_store(target_dir.store());
  CHECK(copied->schema_version() == kCurrentSchemaVersion);
  const LineageRecord lineage = copied->find_lineage("old.example.com").value().value();
  CHECK(lineage.serial == "AB");
  CHECK(lineage.settings.issuer_kind == IssuerKind::Acme);
  CHECK(copied->due_lineages(core::from_unix(1800000000)).value().size() == 1);
}

TEST_CASE("store copy: the tests' engine copies back into an SQLite file", "[store][copy]") {
  TempDir source_dir;
  std::vector<std::int64_t> accounts;
  std::string source_dump;
  {
    auto store = open_store(source_dir.store());
    accounts = populate(*store);
    source_dump = dump(*store, accounts);
  }
  TempDir target_dir;
  auto report = copy_store(source_dir.store(), target_dir.db().string());
  INFO((report ? std::string() : report.error().to_string()));
  REQUIRE(report);
  CHECK(dump(*open_store(target_dir.db().string()), accounts) == source_dump);
}

}  // namespace
}  // namespace certkeep::store
