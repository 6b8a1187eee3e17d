// SPDX-License-Identifier: Apache-2.0
#include "sqlite/sqlite_engine.hpp"

#include "sqlite/database_file.hpp"
#include "sqlite/sqlite_connection.hpp"

namespace certkeep::sqlite {

Result<std::unique_ptr<sql::Connection>> open_file(const std::filesystem::path& path,
                                                   const sql::ConnectOptions& options) {
  if (path.empty()) return fail(Errc::InvalidArgument, "open store: empty path");
  if (options.busy_timeout.count() < 0)
    return fail(Errc::InvalidArgument, "open store: negative busy timeout");
  if (auto prepared = prepare_database_file(path); !prepared) return fail(std::move(prepared).error());
  auto db = open_database_file(path, options.busy_timeout, options.verify_integrity);
  if (!db) return fail(std::move(db).error());
  return std::unique_ptr<sql::Connection>(std::make_unique<SqliteConnection>(std::move(*db), path.string()));
}

Result<std::unique_ptr<sql::Connection>> open_file_read_only(const std::filesystem::path& path,
                                                             const sql::ConnectOptions& options) {
  if (path.empty()) return fail(Errc::InvalidArgument, "open store: empty path");
  auto db = open_database_file_read_only(path, options.busy_timeout);
  if (!db) return fail(std::move(db).error());
  return std::unique_ptr<sql::Connection>(std::make_unique<SqliteConnection>(std::move(*db), path.string()));
}

Result<std::unique_ptr<sql::Connection>> open_memory() {
  auto db = open_memory_database();
  if (!db) return fail(std::move(db).error());
  return std::unique_ptr<sql::Connection>(std::make_unique<SqliteConnection>(std::move(*db), ":memory:"));
}

}  // namespace certkeep::sqlite
