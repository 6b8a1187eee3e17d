// SPDX-License-Identifier: Apache-2.0
// Which store writes wait for the disk: the certificate commit and the lineage rows are synced,
// the bookkeeping of a renewal (lease, order progress, deployment record) is not, and the
// connection goes back to synced commits afterwards. Counted with a VFS that wraps the default
// one and counts xSync calls on every file SQLite opens.
#include <sqlite3.h>

#include <array>
#include <atomic>

#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

std::atomic<int> g_syncs{0};

// SQLite's unix VFS gives the database file and its WAL/journal different method tables; each
// real table gets a copy whose xSync counts and then calls the real one.
struct CountedMethods {
  const sqlite3_io_methods* real = nullptr;
  sqlite3_io_methods counting{};
};
std::array<CountedMethods, 4> g_methods;

int counting_sync(sqlite3_file* file, int flags) {
  ++g_syncs;
  for (const CountedMethods& methods : g_methods)
    if (file->pMethods == &methods.counting) return methods.real->xSync(file, flags);
  return SQLITE_IOERR_FSYNC;
}

// Opens through the real VFS, then points the file at the counting copy of its methods.
int counting_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* real = static_cast<sqlite3_vfs*>(vfs->pAppData);
  const int rc = real->xOpen(real, name, file, flags, out_flags);
  if (rc != SQLITE_OK || file->pMethods == nullptr) return rc;
  for (CountedMethods& methods : g_methods) {
    if (methods.real == nullptr) {
      methods.real = file->pMethods;
      methods.counting = *file->pMethods;
      methods.counting.xSync = &counting_sync;
    }
    if (methods.real == file->pMethods) {
      file->pMethods = &methods.counting;
      return rc;
    }
  }
  return rc;  // more method tables than expected: left uncounted, and the test fails
}

// Makes the counting VFS the default for the test's lifetime.
class CountingVfs {
 public:
  CountingVfs() : real_(sqlite3_vfs_find(nullptr)) {
    REQUIRE(real_ != nullptr);
    vfs_ = *real_;
    vfs_.zName = "certkeep-counting-syncs";
    vfs_.pAppData = real_;
    vfs_.xOpen = &counting_open;
    REQUIRE(sqlite3_vfs_register(&vfs_, 1) == SQLITE_OK);
  }
  ~CountingVfs() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(real_, 1);
  }
  CountingVfs(const CountingVfs&) = delete;
  CountingVfs& operator=(const CountingVfs&) = delete;

 private:
  sqlite3_vfs* real_;
  sqlite3_vfs vfs_{};
};

// How many syncs `write` caused.
template <class Write>
int syncs_during(Write&& write) {
  const int before = g_syncs.load();
  write();
  return g_syncs.load() - before;
}

TEST_CASE("store: a renewal's bookkeeping commits are not synced, the certificate commit is",
          "[store][durability][sqlite]") {
  CountingVfs vfs;
  TempDir dir;
  auto store = open_store(dir.db());
  const std::string name = "example.com";

  CHECK(syncs_during([&] { REQUIRE(store->upsert_lineage(pending_lineage(name))); }) > 0);

  CHECK(syncs_during([&] { REQUIRE(store->try_acquire_lease(name, "worker-1", t0(), 60s).value()); }) == 0);
  const OrderRecord order{name, "https://ca.test/order/1", "pending", core::Secret("NEWKEY"), t0()};
  CHECK(syncs_during([&] { REQUIRE(store->save_order(order)); }) == 0);

  // The commit that must survive a power cut syncs, and with it every unsynced commit before it.
  CHECK(syncs_during([&] {
          REQUIRE(store->commit_issuance(name, issued("0AFF", t0() + 60 * 24h), HistoryKind::Issued));
        }) > 0);

  CHECK(syncs_during([&] { REQUIRE(store->record_deployed(name, "0AFF")); }) == 0);
  CHECK(syncs_during([&] { REQUIRE(store->release_lease(name, "worker-1")); }) == 0);

  // The connection is back to synced commits.
  CHECK(syncs_during([&] { REQUIRE(store->set_status(name, LineageStatus::Valid)); }) > 0);
  CHECK(syncs_during([&] { REQUIRE(store->record_failure(name, "timeout", "", t0() + 1h)); }) > 0);

  // Unsynced is not uncommitted: another connection sees every write.
  auto other = open_store(dir.db());
  const LineageRecord seen = other->find_lineage(name).value().value();
  CHECK(seen.deployed_serial == "0AFF");
  CHECK_FALSE(other->find_order(name).value().has_value());              // commit_issuance dropped it
  CHECK(other->try_acquire_lease(name, "worker-2", t0(), 60s).value());  // the release landed
}

TEST_CASE("store: opening a store that is already current writes and syncs nothing",
          "[store][durability][sqlite]") {
  CountingVfs vfs;
  TempDir dir;
  CHECK(syncs_during([&] { open_store(dir.db()); }) > 0);  // created: the schema is committed
  CHECK(syncs_during([&] { open_store(dir.db()); }) == 0);
}

TEST_CASE("store: a failed unsynced write leaves the connection synced", "[store][durability][sqlite]") {
  CountingVfs vfs;
  TempDir dir;
  auto store = open_store(dir.db());
  REQUIRE(store->upsert_lineage(pending_lineage("example.com")));
  // save_order of an unknown lineage fails inside its (unsynced) transaction.
  const OrderRecord stray{"unknown.example", "https://ca.test/order/2", "pending", core::Secret("K"), t0()};
  CHECK_FALSE(store->save_order(stray));
  CHECK(syncs_during([&] { REQUIRE(store->set_status("example.com", LineageStatus::Valid)); }) > 0);
}

}  // namespace
}  // namespace certkeep::store
