// SPDX-License-Identifier: Apache-2.0
// Store::open and Store::open_in_memory: file preparation, connection settings, migration.
#include "store/store.hpp"

#include "store/database_file.hpp"
#include "store/schema.hpp"
#include "store/sqlite_store.hpp"

namespace certkeep::store {

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& db_path, StoreOptions options) {
  if (db_path.empty()) return fail(Errc::InvalidArgument, "open store: empty path");
  if (options.busy_timeout.count() < 0)
    return fail(Errc::InvalidArgument, "open store: negative busy timeout");
  if (auto prepared = prepare_database_file(db_path); !prepared) return fail(std::move(prepared).error());
  auto db = open_database_file(db_path, options.busy_timeout, options.verify_integrity);
  if (!db) return fail(std::move(db).error());
  auto version = migrate(**db);
  if (!version) return fail(std::move(version).error().with_context("open store " + db_path.string()));
  return std::make_unique<SqliteStore>(std::move(*db), *version);
}

Result<std::unique_ptr<Store>> Store::open_in_memory() {
  auto db = open_memory_database();
  if (!db) return fail(std::move(db).error());
  auto version = migrate(**db);
  if (!version) return fail(std::move(version).error().with_context("open in-memory store"));
  return std::make_unique<SqliteStore>(std::move(*db), *version);
}

}  // namespace certkeep::store
