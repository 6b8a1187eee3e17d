// SPDX-License-Identifier: Apache-2.0
// StatementCache: prepared statements kept for the life of a connection, whatever its engine.
// Parsing and planning SQL took a tenth of a bulk renewal's CPU when every call prepared its
// statement again; on PostgreSQL a cached statement is also one round trip less.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "certkeep/result.hpp"
#include "sql/connection.hpp"

namespace certkeep::sql {

// A statement lent out by the cache: use it through -> or *. When the lease ends the statement
// is reset and its bindings cleared, so no read stays open.
class StatementLease {
 public:
  StatementLease(StatementLease&& other) noexcept;
  StatementLease& operator=(StatementLease&&) = delete;
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  ~StatementLease();

  Statement* operator->() const noexcept { return statement_; }
  Statement& operator*() const noexcept { return *statement_; }

 private:
  friend class StatementCache;
  StatementLease(Statement* statement, bool* in_use, std::unique_ptr<Statement> own) noexcept
      : statement_(statement), in_use_(in_use), own_(std::move(own)) {}

  Statement* statement_;
  bool* in_use_;                    // the cache entry's flag; null for an uncached statement
  std::unique_ptr<Statement> own_;  // set when the cached one was already lent out
};

class StatementCache {
 public:
  explicit StatementCache(Connection& connection) : connection_(connection) {}

  // The prepared statement for `sql`, prepared on first use. Errc::Store for SQL the engine
  // refuses (nothing is cached then). A statement still lent out is not lent twice: a nested
  // use of the same SQL gets its own, uncached statement.
  Result<StatementLease> get(std::string_view sql);

  Connection& connection() noexcept { return connection_; }

 private:
  struct Entry {
    std::unique_ptr<Statement> statement;
    bool in_use = false;
  };
  Connection& connection_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace certkeep::sql
