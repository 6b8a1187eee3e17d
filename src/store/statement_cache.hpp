// SPDX-License-Identifier: Apache-2.0
// StatementCache: prepared statements kept for the life of a connection. Parsing and planning
// SQL took a tenth of a bulk renewal's CPU when every call prepared its statement again.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace certkeep::store {

// A statement lent out by the cache: use it like a SQLite::Statement (through -> or *). When
// the lease ends the statement is reset and its bindings cleared, so no read stays open.
class StatementLease {
 public:
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  ~StatementLease();

  SQLite::Statement* operator->() const noexcept { return statement_; }
  SQLite::Statement& operator*() const noexcept { return *statement_; }
  // So a lease can be handed to the row helpers that take a statement.
  operator SQLite::Statement&() const noexcept { return *statement_; }  // NOLINT(google-explicit-constructor)

 private:
  friend class StatementCache;
  StatementLease(SQLite::Statement* statement, bool* in_use, std::unique_ptr<SQLite::Statement> own)
      : statement_(statement), in_use_(in_use), own_(std::move(own)) {}

  SQLite::Statement* statement_;
  bool* in_use_;                            // the cache entry's flag; null for an uncached one
  std::unique_ptr<SQLite::Statement> own_;  // set when the cached one was already lent out
};

class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db) : db_(db) {}

  // The prepared statement for `sql`, prepared on first use. Throws SQLite::Exception like
  // SQLite::Statement's constructor. A statement still lent out is not lent twice: a nested
  // use of the same SQL gets its own, uncached statement.
  StatementLease get(std::string_view sql);

  SQLite::Database& database() noexcept { return db_; }

 private:
  struct Entry {
    std::unique_ptr<SQLite::Statement> statement;
    bool in_use = false;
  };
  SQLite::Database& db_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace certkeep::store
