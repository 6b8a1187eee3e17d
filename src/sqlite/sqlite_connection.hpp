// SPDX-License-Identifier: Apache-2.0
// SqliteConnection: sql::Connection on one SQLiteCpp database, with statements prepared
// through the sqlite3 C API (bound by number, stepped, read by column, no exceptions).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <SQLiteCpp/Database.h>

#include "sql/connection.hpp"
#include "sqlite/database_file.hpp"

namespace certkeep::sqlite {

class SqliteConnection final : public sql::Connection {
 public:
  SqliteConnection(std::unique_ptr<SQLite::Database> db, std::string name);
  ~SqliteConnection() override;

  sql::Engine engine() const noexcept override { return sql::Engine::Sqlite; }
  const std::string& name() const noexcept override { return name_; }

  Result<std::unique_ptr<sql::Statement>> prepare(std::string_view sql) override;
  Result<void> execute(std::string_view sql) override;

  Result<void> begin_write(sql::Durability durability) override;
  Result<void> begin_read() override;
  Result<void> commit() override;
  void rollback() noexcept override;
  bool reconnect_if_lost() noexcept override { return false; }

  Result<int> schema_version() override;
  Result<void> set_schema_version(int version) override;
  std::string schema_sql(std::string_view canonical) const override { return std::string(canonical); }
  Result<std::vector<std::string>> table_names() override;
  Result<std::vector<sql::Column>> columns(std::string_view table) override;
  Result<void> after_copy() override { return {}; }

 private:
  std::unique_ptr<SQLite::Database> db_;
  std::string name_;
  // Set while an Unsynced write transaction runs; puts synchronous=FULL back when reset.
  std::optional<UnsyncedCommits> unsynced_;
};

}  // namespace certkeep::sqlite
