// SPDX-License-Identifier: Apache-2.0
#include "sqlite/sqlite_statement.hpp"

#include <string>

#include "sqlite/sqlite_errors.hpp"

namespace certkeep::sqlite {

void SqliteStatement::note_bind(int rc, int index) noexcept {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) {
    bind_error_ = rc;
    bind_error_index_ = index;
  }
}

void SqliteStatement::bind_int64(int index, std::int64_t value) {
  note_bind(sqlite3_bind_int64(statement_.get(), index, static_cast<sqlite3_int64>(value)), index);
}

void SqliteStatement::bind_text(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the text, so the caller's buffer may go away. An empty view
  // may have no data pointer, which SQLite would bind as NULL: "" is text.
  const char* data = text.data() != nullptr ? text.data() : "";
  note_bind(sqlite3_bind_text64(statement_.get(), index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
            index);
}

void SqliteStatement::bind_null(int index) { note_bind(sqlite3_bind_null(statement_.get(), index), index); }

Result<bool> SqliteStatement::step() {
  if (bind_error_ != SQLITE_OK)
    return fail(sqlite_error(
        "", bind_error_,
        "cannot bind parameter " + std::to_string(bind_error_index_) + ": " + sqlite3_errstr(bind_error_)));
  const int rc = sqlite3_step(statement_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // sqlite3_prepare_v2 statements return the specific code from step itself.
  return fail(sqlite_error("", rc, sqlite3_errmsg(db_)));
}

Result<std::int64_t> SqliteStatement::execute() {
  for (;;) {
    auto row = step();
    if (!row) return fail(std::move(row).error());
    if (!*row) break;
  }
  return static_cast<std::int64_t>(sqlite3_changes64(db_));
}

std::string SqliteStatement::text(int column) const {
  const auto* bytes = sqlite3_column_text(statement_.get(), column);
  if (bytes == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bytes),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), column)));
}

void SqliteStatement::reset() noexcept {
  // A failed last step was already reported by the call that made it.
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
  bind_error_ = SQLITE_OK;
  bind_error_index_ = 0;
}

}  // namespace certkeep::sqlite
