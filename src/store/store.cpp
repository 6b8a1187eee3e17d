// SPDX-License-Identifier: Apache-2.0
// Store::open and Store::open_in_memory: the engine a location names, then migration.
#include "store/store.hpp"

#include "postgres/postgres_engine.hpp"
#include "sqlite/sqlite_engine.hpp"
#include "store/schema.hpp"
#include "store/sql_store.hpp"

namespace certkeep::store {
namespace {

Result<std::unique_ptr<Store>> open_on(Result<std::unique_ptr<sql::Connection>> connection) {
  if (!connection) return fail(std::move(connection).error());
  auto version = migrate(**connection);
  if (!version) return fail(std::move(version).error().with_context("open store " + (*connection)->name()));
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(*connection), *version));
}

}  // namespace

bool is_postgres_location(std::string_view location) noexcept { return postgres::is_postgres_url(location); }

std::string describe_location(std::string_view location) {
  if (is_postgres_location(location)) return postgres::describe_url(location);
  return std::string(location);
}

Result<std::unique_ptr<Store>> Store::open(const std::string& location, StoreOptions options) {
  if (location.empty()) return fail(Errc::InvalidArgument, "open store: empty path");
  if (options.busy_timeout.count() < 0)
    return fail(Errc::InvalidArgument, "open store: negative busy timeout");
  const sql::ConnectOptions connect{options.busy_timeout, options.verify_integrity};
  if (is_postgres_location(location)) return open_on(postgres::connect(location, connect));
  return open_on(sqlite::open_file(location, connect));
}

Result<std::unique_ptr<Store>> Store::open_in_memory() {
  auto store = open_on(sqlite::open_memory());
  if (!store) return fail(std::move(store).error().with_context("open in-memory store"));
  return store;
}

}  // namespace certkeep::store
