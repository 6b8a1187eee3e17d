// SPDX-License-Identifier: Apache-2.0
// SqliteStatement: sql::Statement on one sqlite3_stmt (the C API: no exceptions, text bound
// with its length).
#pragma once

#include <memory>

#include <sqlite3.h>

#include "sql/connection.hpp"

namespace certkeep::sqlite {

class SqliteStatement final : public sql::Statement {
 public:
  // Takes ownership of `statement`, prepared on `db`.
  SqliteStatement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}

  void bind_int64(int index, std::int64_t value) override;
  void bind_text(int index, std::string_view text) override;
  void bind_null(int index) override;

  Result<bool> step() override;
  Result<std::int64_t> execute() override;

  int column_count() const override { return sqlite3_column_count(statement_.get()); }
  bool is_null(int column) const override {
    return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
  }
  std::int64_t int64(int column) const override { return sqlite3_column_int64(statement_.get(), column); }
  std::string text(int column) const override;

  void reset() noexcept override;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
  };
  void note_bind(int rc, int index) noexcept;

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> statement_;
  int bind_error_ = SQLITE_OK;  // the first failed bind since the last reset
  int bind_error_index_ = 0;
};

}  // namespace certkeep::sqlite
