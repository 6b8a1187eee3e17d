// SPDX-License-Identifier: Apache-2.0
// What only the PostgreSQL engine has: a server that can go away and come back, logins and
// URLs, read-only databases, schemas side by side, text it refuses. Hidden ([.postgres]): they
// run in the PostgreSQL run of the store tests (ctest store.postgres), where the server is real.
#include "store/schema.hpp"
#include "store/store_copy.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

void require_postgres() {
  INFO("[postgres] cases need CERTKEEP_TEST_STORE_ENGINE=postgres and a server (ctest store.postgres)");
  REQUIRE(test_engine() == TestEngine::Postgres);
}

// Ends every server connection whose application_name is `name` (as a server restart would).
int terminate_connections(const std::string& name) {
  auto admin = postgres_admin();
  auto kill = admin
                  ->prepare(
                      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                      "WHERE application_name = ?1 AND pid <> pg_backend_pid()")
                  .value();
  kill->bind_text(1, name);
  REQUIRE(kill->step().value());
  return static_cast<int>(kill->int64(0));
}

TEST_CASE("postgres: a connection the server dropped is opened again, and the store goes on", "[.postgres]") {
  require_postgres();
  TempDir dir;
  const std::string url = dir.store() + "&application_name=certkeep-dropped";
  auto store = open_store(url);
  REQUIRE(store->upsert_lineage(pending_lineage("before.example.com")));
  REQUIRE(terminate_connections("certkeep-dropped") == 1);
  // A read runs again on the new connection; a write begins on it.
  CHECK(store->find_lineage("before.example.com").value().has_value());
  REQUIRE(terminate_connections("certkeep-dropped") == 1);
  REQUIRE(store->upsert_lineage(pending_lineage("after.example.com")));
  CHECK(store->list_lineages().value().size() == 2);
}

TEST_CASE("postgres: a connection lost inside a transaction fails it, and the next one reconnects",
          "[.postgres]") {
  require_postgres();
  TempDir dir;
  open_store(dir.store());
  auto db = raw_connection(dir.store() + "&application_name=certkeep-lost-mid");
  REQUIRE(db->begin_write(sql::Durability::Synced));
  REQUIRE(terminate_connections("certkeep-lost-mid") == 1);
  auto insert = db->prepare("INSERT INTO leases (name, owner, expires_at) VALUES ('x', 'y', 1)");
  if (insert) {
    auto inserted = (*insert)->execute();
    REQUIRE_FALSE(inserted);
    CHECK_THAT(inserted.error().message(), Catch::Contains("lost the connection to PostgreSQL"));
  }
  db->rollback();
  REQUIRE(db->begin_write(sql::Durability::Synced));
  REQUIRE(db->commit());
}

TEST_CASE("postgres: failures to connect name the server and never the password", "[.postgres]") {
  require_postgres();
  struct Case {
    std::string url;
    std::string expected;
  };
  const std::string base = postgres_url();
  const std::string socket_dir =
      base.substr(base.find("host=") + 5, base.find('&', base.find("host=")) - base.find("host=") - 5);
  for (const Case& c : {
           Case{"postgresql://fleet:s3cr3t-pw@[not-a-host", "malformed"},
           Case{"postgresql:///certkeep?host=/nonexistent-certkeep-dir&user=postgres&password=s3cr3t-pw",
                "/nonexistent-certkeep-dir"},
           Case{"postgresql:///certkeep?host=" + socket_dir + "&user=no_such_role&password=s3cr3t-pw",
                "no_such_role"},
           Case{"postgresql:///no_such_database?host=" + socket_dir + "&user=postgres&password=s3cr3t-pw",
                "no_such_database"},
       }) {
    CAPTURE(c.expected);
    auto store = Store::open(c.url);
    REQUIRE_FALSE(store);
    CHECK(store.error().code() == Errc::Store);
    CHECK_THAT(store.error().message(), Catch::Contains(c.expected));
    CHECK_THAT(store.error().message(), !Catch::Contains("s3cr3t"));
  }
}

TEST_CASE("postgres: a read-only database refuses writes with a clear error and changes nothing",
          "[.postgres]") {
  require_postgres();
  TempDir dir;
  {
    auto store = open_store(dir.store());
    REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  }
  // As `ALTER DATABASE … SET default_transaction_read_only = on` makes every new session.
  auto read_only = open_store(dir.store() + "%20-cdefault_transaction_read_only%3Don");
  CHECK(read_only->find_lineage("example.com").value().has_value());
  auto written = read_only->upsert_lineage(pending_lineage("new.example.com"));
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == Errc::Store);
  CHECK_THAT(written.error().message(),
             Catch::Contains("is read-only") && Catch::Contains("PostgreSQL database"));
  auto leased = read_only->try_acquire_lease("example.com", "me", t0(), std::chrono::seconds(60));
  REQUIRE_FALSE(leased);
  CHECK_THAT(leased.error().message(), Catch::Contains("is read-only"));
  CHECK(open_store(dir.store())->list_lineages().value().size() == 1);
}

TEST_CASE("postgres: stores in two schemas of one database never wait for each other's write lock",
          "[.postgres]") {
  require_postgres();
  TempDir first;
  TempDir second;
  auto blocked = open_store(first.store(), StoreOptions{std::chrono::milliseconds(50)});
  auto other = open_store(second.store(), StoreOptions{std::chrono::milliseconds(50)});
  auto holder = raw_connection(first.store());
  REQUIRE(holder->begin_write(sql::Durability::Synced));
  CHECK(other->upsert_lineage(pending_lineage("example.com")));
  // A store already current opens without waiting for the lock; its writes wait, then give up.
  CHECK(open_store(first.store(), StoreOptions{std::chrono::milliseconds(50)})->schema_version() ==
        kCurrentSchemaVersion);
  auto waited = blocked->upsert_lineage(pending_lineage("example.com"));
  REQUIRE_FALSE(waited);
  CHECK(waited.error().code() == Errc::Busy);
}

TEST_CASE("postgres: text that is not UTF-8 is stored with U+FFFD in place of each bad byte", "[.postgres]") {
  require_postgres();
  auto store = memory_store();
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  REQUIRE(store->append_event(
      EventRecord{0, "example.com", HistoryKind::HookFailed, "", std::string("bad \xFF\0!", 7), t0()}));
  CHECK(store->events("example.com").value().back().detail == "bad \xEF\xBF\xBD\xEF\xBF\xBD!");
}

TEST_CASE(
    "store copy: a source row PostgreSQL cannot hold stops the copy, naming the row, and leaves the target "
    "empty",
    "[.postgres]") {
  require_postgres();
  TempDir source_dir;
  {
    auto store = open_store(source_dir.db().string());
    REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
    REQUIRE(store->append_event(
        EventRecord{0, "example.com", HistoryKind::HookFailed, "", "latin-1 \xE9t\xE9", t0()}));
  }
  TempDir target_dir;
  auto report = copy_store(source_dir.db().string(), target_dir.store());
  REQUIRE_FALSE(report);
  CHECK(report.error().code() == Errc::Store);
  CHECK_THAT(report.error().message(),
             Catch::Contains("events") && Catch::Contains("detail") && Catch::Contains("not UTF-8"));
  CHECK(raw_connection(target_dir.store())->table_names().value().empty());
}

TEST_CASE("postgres: the store's schema uses PostgreSQL's types for SQLite's words", "[.postgres]") {
  require_postgres();
  TempDir dir;
  open_store(dir.store());
  auto db = raw_connection(dir.store());
  auto types =
      db->prepare(
            "SELECT column_name, data_type, is_identity, is_generated, COALESCE(collation_name, '') "
            "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?1 "
            "AND column_name = ?2")
          .value();
  auto check = [&](const std::string& table, const std::string& column, const std::string& type,
                   const std::string& identity, const std::string& generated, const std::string& collation) {
    CAPTURE(table, column);
    types->bind_text(1, table);
    types->bind_text(2, column);
    REQUIRE(types->step().value());
    CHECK(types->text(1) == type);
    CHECK(types->text(2) == identity);
    CHECK(types->text(3) == generated);
    CHECK(types->text(4) == collation);
    types->reset();
  };
  check("events", "id", "bigint", "YES", "NEVER", "");
  check("accounts", "id", "bigint", "YES", "NEVER", "");
  check("certificates", "not_after", "bigint", "NO", "NEVER", "");
  check("certificates", "name", "text", "NO", "NEVER", "C");
  check("certificates", "due_at", "bigint", "NO", "ALWAYS", "");
  check("certificates", "deploy_owed", "bigint", "NO", "ALWAYS", "");
  CHECK(db->schema_version().value() == kCurrentSchemaVersion);
}

}  // namespace
}  // namespace certkeep::store

namespace certkeep::store {
namespace {

using namespace testing;

TEST_CASE("postgres: a committed change wakes a listener at once, a rolled-back one does not", "[.postgres]") {
  require_postgres();
  TempDir dir;
  auto store = open_store(dir.store());
  auto signal = open_change_signal(dir.store());
  INFO((signal ? std::string() : signal.error().to_string()));
  REQUIRE(signal);
  REQUIRE(*signal);
  CHECK((*signal)->wait(std::chrono::milliseconds(0)).value() == false);
  const auto before = std::chrono::steady_clock::now();
  REQUIRE(store->upsert_lineage(pending_lineage("a.example.com")));
  CHECK((*signal)->wait(std::chrono::milliseconds(5000)).value() == true);
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(1));
  // A write that fails (no such lineage) rolls back its NOTIFY with it.
  CHECK_FALSE(store->remove_lineage("missing.example.com"));
  CHECK((*signal)->wait(std::chrono::milliseconds(200)).value() == false);
  // A store in another schema of the same database has a channel of its own.
  TempDir other_dir;
  auto other = open_store(other_dir.store());
  REQUIRE(other->upsert_lineage(pending_lineage("b.example.com")));
  CHECK((*signal)->wait(std::chrono::milliseconds(200)).value() == false);
}

TEST_CASE("postgres: a listener whose backend is terminated reports the loss", "[.postgres]") {
  require_postgres();
  TempDir dir;
  const std::string url = dir.store() + "&application_name=certkeep-listener";
  auto store = open_store(dir.store());
  auto signal = open_change_signal(url).value();
  REQUIRE(signal);
  REQUIRE(terminate_connections("certkeep-listener") == 1);
  auto waited = signal->wait(std::chrono::milliseconds(5000));
  REQUIRE_FALSE(waited);
  CHECK(waited.error().code() == Errc::Store);
  CHECK_THAT(waited.error().message(), Catch::Contains("change notification connection was lost"));
  // A new signal hears the next change.
  auto again = open_change_signal(url).value();
  REQUIRE(store->upsert_lineage(pending_lineage("after.example.com")));
  CHECK(again->wait(std::chrono::milliseconds(5000)).value() == true);
}

TEST_CASE("postgres: SQLite has no signal, its followers read the change counter", "[.postgres]") {
  certkeep::testing::TempDir dir("sqlite-signal");
  CHECK(open_change_signal((dir.path() / "certkeep.db").string()).value() == nullptr);
}

}  // namespace
}  // namespace certkeep::store
