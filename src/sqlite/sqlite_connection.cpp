// SPDX-License-Identifier: Apache-2.0
#include "sqlite/sqlite_connection.hpp"

#include <sqlite3.h>

#include "core/result_macros.hpp"
#include "sqlite/sqlite_errors.hpp"
#include "sqlite/sqlite_statement.hpp"

namespace certkeep::sqlite {

SqliteConnection::SqliteConnection(std::unique_ptr<SQLite::Database> db, std::string name)
    : db_(std::move(db)), name_(std::move(name)) {}

SqliteConnection::~SqliteConnection() { rollback(); }

Result<std::unique_ptr<sql::Statement>> SqliteConnection::prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_->getHandle(), sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(statement);
    return fail(sqlite_error("", rc, sqlite3_errmsg(db_->getHandle())));
  }
  if (statement == nullptr)
    return fail(Errc::Internal, "prepare: no SQL statement in \"" + std::string(sql) + "\"");
  return std::unique_ptr<sql::Statement>(std::make_unique<SqliteStatement>(db_->getHandle(), statement));
}

Result<void> SqliteConnection::execute(std::string_view sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_->getHandle(), std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  Error error = sqlite_error("", rc, message != nullptr ? message : sqlite3_errstr(rc));
  sqlite3_free(message);
  return fail(std::move(error));
}

// BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
// writes can fail with SQLITE_BUSY without waiting when another connection committed in
// between, while an immediate one waits out the busy timeout like any other writer.
Result<void> SqliteConnection::begin_write(sql::Durability durability) {
  if (durability == sql::Durability::Unsynced) {
    // Before BEGIN: SQLite applies the synchronous level per transaction.
    auto unsynced = guarded("", [&]() -> Result<void> {
      unsynced_.emplace(*db_);
      return {};
    });
    if (!unsynced) return unsynced;
  }
  auto begun = execute("BEGIN IMMEDIATE");
  if (!begun) unsynced_.reset();
  return begun;
}

Result<void> SqliteConnection::begin_read() { return execute("BEGIN"); }

Result<void> SqliteConnection::commit() {
  CERTKEEP_TRY(execute("COMMIT"));
  unsynced_.reset();
  return {};
}

void SqliteConnection::rollback() noexcept {
  if (sqlite3_get_autocommit(db_->getHandle()) == 0)
    sqlite3_exec(db_->getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
  unsynced_.reset();
}

Result<int> SqliteConnection::schema_version() {
  auto statement = CERTKEEP_TRY(prepare("PRAGMA user_version"));
  if (!CERTKEEP_TRY(statement->step())) return 0;
  return static_cast<int>(statement->int64(0));
}

Result<void> SqliteConnection::set_schema_version(int version) {
  return execute("PRAGMA user_version = " + std::to_string(version));
}

Result<std::vector<std::string>> SqliteConnection::table_names() {
  auto statement = CERTKEEP_TRY(prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
      "ORDER BY name"));
  std::vector<std::string> names;
  while (CERTKEEP_TRY(statement->step())) names.push_back(statement->text(0));
  return names;
}

Result<std::vector<sql::Column>> SqliteConnection::columns(std::string_view table) {
  // table_xinfo lists generated columns too: hidden is 2 (VIRTUAL) or 3 (STORED) for them.
  auto statement = CERTKEEP_TRY(prepare("SELECT name, hidden FROM pragma_table_xinfo(?1) ORDER BY cid"));
  statement->bind_text(1, table);
  std::vector<sql::Column> columns;
  while (CERTKEEP_TRY(statement->step())) {
    const std::int64_t hidden = statement->int64(1);
    columns.push_back(sql::Column{statement->text(0), hidden == 2 || hidden == 3});
  }
  return columns;
}

}  // namespace certkeep::sqlite
