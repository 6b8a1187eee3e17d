// SPDX-License-Identifier: Apache-2.0
#include <sys/stat.h>

#include <fstream>
#include <random>
#include <thread>

#include <SQLiteCpp/Database.h>

#include "store/schema.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t mask) : previous_(::umask(mask)) {}
  ~UmaskGuard() { ::umask(previous_); }
  UmaskGuard(const UmaskGuard&) = delete;
  UmaskGuard& operator=(const UmaskGuard&) = delete;

 private:
  mode_t previous_;
};

void write_bytes(const std::filesystem::path& path, std::size_t offset, const std::string& bytes) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST_CASE("open creates the database 0600, its directories 0700, and WAL files nobody else can read",
          "[store][open][sqlite]") {
  TempDir dir;
  UmaskGuard permissive(022);  // what a careless service manager might leave us
  const auto path = dir.path() / "state" / "nested" / "certkeep.db";
  auto store = open_store(path);
  CHECK(store->schema_version() == kCurrentSchemaVersion);
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(dir.path() / "state") == 0700);
  CHECK(mode_of(dir.path() / "state" / "nested") == 0700);
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::filesystem::path side = path.string() + suffix;
    INFO(side);
    REQUIRE(std::filesystem::exists(side));
    CHECK((mode_of(side) & 077) == 0);
  }
}

TEST_CASE("open uses WAL, foreign keys and secure_delete, and reopens an existing file",
          "[store][open][sqlite]") {
  TempDir dir;
  REQUIRE(open_store(dir.db())->upsert_lineage(pending_lineage("example.com")));
  auto again = open_store(dir.db());
  CHECK(again->find_lineage("example.com").value().has_value());
  SQLite::Database raw(dir.db().string(), SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == kCurrentSchemaVersion);
}

TEST_CASE("open narrows an existing group- or world-readable database to 0600", "[store][open][sqlite]") {
  TempDir dir;
  { std::ofstream(dir.db()).flush(); }
  ::chmod(dir.db().c_str(), 0644);
  open_store(dir.db());
  CHECK(mode_of(dir.db()) == 0600);
}

TEST_CASE("a file of garbage bytes is refused with a clear store error", "[store][open][corrupt][sqlite]") {
  TempDir dir;
  std::string garbage(8192, '\0');
  std::mt19937 random(7);
  for (char& c : garbage) c = static_cast<char>(random() & 0xFF);
  { std::ofstream(dir.db(), std::ios::binary) << garbage; }
  auto store = Store::open(dir.db());
  REQUIRE_FALSE(store);
  CHECK(store.error().code() == Errc::Store);
  CHECK_THAT(store.error().message(), Catch::Contains("not an SQLite database"));
  CHECK_THAT(store.error().message(), Catch::Contains(dir.db().string()));
}

TEST_CASE("a database with damaged pages fails the integrity check at open",
          "[store][open][corrupt][sqlite]") {
  TempDir dir;
  {
    auto store = open_store(dir.db());
    for (int i = 0; i < 50; ++i)
      REQUIRE(store->upsert_lineage(
          pending_lineage(std::string("n").append(std::to_string(i)).append(".example.com"))));
  }  // the last connection checkpoints the WAL into the main file
  REQUIRE(!std::filesystem::exists(dir.db().string() + "-wal"));
  const auto size = std::filesystem::file_size(dir.db());
  REQUIRE(size > 4 * 4096);
  // Keep page 1 (header and schema) intact; smash every other page's b-tree header.
  for (std::size_t page = 1; page * 4096 < size; ++page)
    write_bytes(dir.db(), page * 4096, std::string(16, '\x7f'));
  StoreOptions verify;
  verify.verify_integrity = true;
  auto store = Store::open(dir.db(), verify);
  REQUIRE_FALSE(store);
  CHECK(store.error().code() == Errc::Store);
  CHECK_THAT(store.error().message(), Catch::Contains("store corrupt"));
  // Without the check, opening is cheap, and the damage shows as an error on first use.
  auto unchecked = Store::open(dir.db());
  if (unchecked) {
    auto listed = (*unchecked)->list_lineages();
    REQUIRE_FALSE(listed);
    CHECK(listed.error().code() == Errc::Store);
  }
}

TEST_CASE("a store written by a newer certkeep is refused, not downgraded", "[store][open]") {
  TempDir dir;
  open_store(dir.store());
  {
    auto raw = raw_connection(dir.store());
    REQUIRE(raw->begin_write(sql::Durability::Synced));
    REQUIRE(raw->set_schema_version(99));
    REQUIRE(raw->commit());
  }
  auto store = Store::open(dir.store());
  REQUIRE_FALSE(store);
  CHECK(store.error().code() == Errc::Store);
  CHECK_THAT(store.error().message(), Catch::Contains("newer"));
}

TEST_CASE("open fails with Errc::Io when the directory cannot be created", "[store][open][sqlite]") {
  TempDir dir;
  { std::ofstream(dir.path() / "file").flush(); }
  auto store = Store::open(dir.path() / "file" / "sub" / "certkeep.db");
  REQUIRE_FALSE(store);
  CHECK(store.error().code() == Errc::Io);
}

TEST_CASE("the in-memory store is at the current schema and private to its connection",
          "[store][open][sqlite]") {
  auto a = memory_store();
  auto b = memory_store();
  CHECK(a->schema_version() == kCurrentSchemaVersion);
  REQUIRE(a->upsert_lineage(pending_lineage("example.com")));
  CHECK(a->find_lineage("example.com").value().has_value());
  CHECK_FALSE(b->find_lineage("example.com").value().has_value());
}

TEST_CASE("a write blocked past the busy timeout fails with Errc::Busy \"store is busy\"", "[store][busy]") {
  TempDir dir;
  auto store = open_store(dir.store(), StoreOptions{std::chrono::milliseconds(50)});
  // Another connection holds the write lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock).
  auto other = raw_connection(dir.store());
  REQUIRE(other->begin_write(sql::Durability::Synced));
  const auto started = std::chrono::steady_clock::now();
  auto written = store->upsert_lineage(pending_lineage("example.com"));
  const auto waited = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == Errc::Busy);
  CHECK(written.error().is_transient());
  CHECK_THAT(written.error().message(), Catch::Contains("store is busy"));
  CHECK(waited >= std::chrono::milliseconds(40));  // it waited for the lock first
  // Reads still work under WAL while another connection writes.
  CHECK(store->list_lineages());
}

TEST_CASE("two connections writing at the same time both succeed (the busy timeout waits)", "[store][busy]") {
  TempDir dir;
  REQUIRE(open_store(dir.store())->upsert_lineage(pending_lineage("shared.example.com")));
  constexpr int kWrites = 150;
  auto writer = [&](const std::string& tag, Result<void>* outcome) {
    auto store = Store::open(dir.store());
    if (!store) {
      *outcome = fail(store.error());
      return;
    }
    for (int i = 0; i < kWrites; ++i) {
      EventRecord event{0, "shared.example.com", HistoryKind::Deployed, tag + std::to_string(i), "", t0()};
      if (auto appended = (*store)->append_event(event); !appended) {
        *outcome = appended;
        return;
      }
      LineageRecord mine = pending_lineage(tag + ".example.com");
      if (auto saved = (*store)->upsert_lineage(mine); !saved) {
        *outcome = saved;
        return;
      }
    }
  };
  Result<void> first;
  Result<void> second;
  std::thread a(writer, "a", &first);
  std::thread b(writer, "b", &second);
  a.join();
  b.join();
  INFO((first ? std::string() : first.error().to_string())
       << (second ? std::string() : second.error().to_string()));
  CHECK(first);
  CHECK(second);
  auto store = open_store(dir.store());
  CHECK(store->events("shared.example.com", 1000).value().size() == 2 * kWrites);
  CHECK(store->list_lineages().value().size() == 3);
}

}  // namespace
}  // namespace certkeep::store
