// SPDX-License-Identifier: Apache-2.0
// Helpers for the store tests: the engine they run on, a private store per test, file modes,
// and records with plausible contents.
//
// The same cases run on both engines. By default on SQLite (files in a temporary directory,
// in-memory databases); with CERTKEEP_TEST_STORE_ENGINE=postgres on the PostgreSQL database
// CERTKEEP_TEST_POSTGRES_URL names (ctest's store.postgres, under pebble-test/with-postgres.sh),
// each store in a fresh schema of it. A PostgreSQL run without a URL or a server fails; it
// never falls back to SQLite. Cases tagged [sqlite] are about the SQLite file itself (modes,
// WAL, corruption, query plans, fsyncs) and run on SQLite only.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "postgres/postgres_engine.hpp"
#include "sql/connection.hpp"
#include "sqlite/sqlite_engine.hpp"
#include "store/store.hpp"

#include "support/temp_dir.hpp"

namespace certkeep::store::testing {

using namespace std::chrono_literals;

enum class TestEngine { Sqlite, Postgres };

inline TestEngine test_engine() {
  static const TestEngine engine = [] {
    const char* name = std::getenv("CERTKEEP_TEST_STORE_ENGINE");
    const std::string value = name != nullptr ? name : "";
    if (value.empty() || value == "sqlite") return TestEngine::Sqlite;
    if (value == "postgres") return TestEngine::Postgres;
    throw std::runtime_error("CERTKEEP_TEST_STORE_ENGINE must be sqlite or postgres, not " + value);
  }();
  return engine;
}

// The run's PostgreSQL database: a missing URL fails the test.
inline std::string postgres_url() {
  const char* url = std::getenv("CERTKEEP_TEST_POSTGRES_URL");
  INFO(
      "CERTKEEP_TEST_STORE_ENGINE=postgres needs CERTKEEP_TEST_POSTGRES_URL (run under "
      "pebble-test/with-postgres.sh)");
  REQUIRE((url != nullptr && url[0] != '\0'));
  return url;
}

// The URL with `schema` as its search_path: a store of its own in the run's database.
inline std::string postgres_url_in(const std::string& schema) {
  const std::string url = postgres_url();
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
}

inline std::unique_ptr<sql::Connection> postgres_admin() {
  auto admin = postgres::connect(postgres_url(), {});
  INFO((admin ? std::string() : admin.error().to_string()));
  REQUIRE(admin);
  return std::move(*admin);
}

// A new empty schema of the run's database.
inline std::string create_test_schema() {
  static std::atomic<unsigned> counter{0};
  static const std::uint64_t run = std::random_device{}();
  const std::string name = "ck_test_" + std::to_string(run % 1000000007) + "_" + std::to_string(++counter);
  auto admin = postgres_admin();
  auto created = admin->execute("CREATE SCHEMA " + name);
  INFO((created ? std::string() : created.error().to_string()));
  REQUIRE(created);
  return name;
}

inline void drop_test_schema(const std::string& name) noexcept {
  const char* url = std::getenv("CERTKEEP_TEST_POSTGRES_URL");
  if (url == nullptr) return;
  if (auto admin = postgres::connect(url, {}))
    (void)(*admin)->execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
}

// A store private to one test: an SQLite file in a temporary directory, or a schema of the
// run's PostgreSQL database, removed with everything in it at the end.
class TempDir : public certkeep::testing::TempDir {
 public:
  TempDir() : certkeep::testing::TempDir("store") {
    if (test_engine() == TestEngine::Postgres) schema_ = create_test_schema();
  }
  ~TempDir() {
    if (!schema_.empty()) drop_test_schema(schema_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The SQLite file (the [sqlite] cases use it directly).
  std::filesystem::path db() const { return path() / "certkeep.db"; }
  // Where the test's store is, as Store::open takes it: the file, or the schema's URL.
  std::string store() const { return schema_.empty() ? db().string() : postgres_url_in(schema_); }

 private:
  std::string schema_;
};

using certkeep::testing::mode_of;

// A fixed "now" so times compare exactly (the store keeps whole seconds).
inline core::SystemTime t0() { return core::from_unix(1'800'000'000); }

// The names of `lineages`, in their order.
inline std::vector<std::string> names_of(const std::vector<LineageRecord>& lineages) {
  std::vector<std::string> names;
  for (const auto& lineage : lineages) names.push_back(lineage.name);
  return names;
}

inline std::unique_ptr<Store> open_store(const std::string& location, StoreOptions options = {}) {
  auto store = Store::open(location, options);
  INFO((store ? std::string() : store.error().to_string()));
  REQUIRE(store);
  return std::move(*store);
}

// Schemas made for memory_store() on PostgreSQL, dropped when the test binary exits.
class MemorySchemas {
 public:
  static MemorySchemas& instance() {
    static MemorySchemas schemas;
    return schemas;
  }
  std::string add() {
    std::string name = create_test_schema();
    std::lock_guard lock(mutex_);
    names_.push_back(name);
    return name;
  }
  ~MemorySchemas() {
    for (const std::string& name : names_) drop_test_schema(name);
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> names_;
};

// A store no other test sees: SQLite's :memory:, or a fresh PostgreSQL schema.
inline std::unique_ptr<Store> memory_store() {
  if (test_engine() == TestEngine::Postgres)
    return open_store(postgres_url_in(MemorySchemas::instance().add()));
  auto store = Store::open_in_memory();
  INFO((store ? std::string() : store.error().to_string()));
  REQUIRE(store);
  return std::move(*store);
}

// A connection of the engine to `location`, for SQL the Store has no method for (old schemas,
// damaged rows, held locks).
inline std::unique_ptr<sql::Connection> raw_connection(const std::string& location) {
  auto connection =
      is_postgres_location(location) ? postgres::connect(location, {}) : sqlite::open_file(location, {});
  INFO((connection ? std::string() : connection.error().to_string()));
  REQUIRE(connection);
  return std::move(*connection);
}

// Runs SQL on a raw connection; the test fails when the engine refuses it.
inline void raw_execute(sql::Connection& connection, const std::string& sql) {
  auto done = connection.execute(sql);
  INFO(sql << (done ? std::string() : "\n" + done.error().to_string()));
  REQUIRE(done);
}

inline LineageRecord pending_lineage(const std::string& name) {
  LineageRecord lineage;
  lineage.name = name;
  lineage.identifiers = {name, "www." + name};
  lineage.settings.directory_url = "https://127.0.0.1:14000/dir";
  lineage.settings.email = "ops@example.com";
  lineage.created_at = t0() - 48h;
  return lineage;
}

inline IssuedCertificate issued(const std::string& serial, core::SystemTime renew_at) {
  IssuedCertificate cert;
  cert.key_pem = core::Secret("-----BEGIN PRIVATE KEY-----\nkey-" + serial + "\n-----END PRIVATE KEY-----\n");
  cert.cert_pem = "-----BEGIN CERTIFICATE-----\nleaf-" + serial + "\n-----END CERTIFICATE-----\n";
  cert.chain_pem = "-----BEGIN CERTIFICATE-----\nintermediate\n-----END CERTIFICATE-----\n";
  cert.serial = serial;
  cert.issuer = "Pebble Intermediate CA";
  cert.not_before = t0() - 1h;
  cert.not_after = t0() + 24h * 90;
  cert.ari_cert_id = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
  cert.renew_at = renew_at;
  return cert;
}

// A lineage with a certificate, deployed, due at `renew_at`: what insert_lineages_bulk takes.
inline LineageRecord valid_lineage(const std::string& name, core::SystemTime renew_at) {
  LineageRecord lineage = pending_lineage(name);
  const IssuedCertificate cert = issued("0A" + std::to_string(name.size()) + "FF", renew_at);
  lineage.status = LineageStatus::Valid;
  lineage.key_pem = cert.key_pem;
  lineage.cert_pem = cert.cert_pem;
  lineage.chain_pem = cert.chain_pem;
  lineage.serial = cert.serial;
  lineage.issuer = cert.issuer;
  lineage.not_before = cert.not_before;
  lineage.not_after = cert.not_after;
  lineage.renew_at = renew_at;
  lineage.deployed_serial = cert.serial;
  lineage.updated_at = lineage.created_at;
  return lineage;
}

}  // namespace certkeep::store::testing
