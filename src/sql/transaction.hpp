// SPDX-License-Identifier: Apache-2.0
// Transaction: a transaction of a Connection that is rolled back unless committed (SQLiteCpp's
// model), so an early return or an error on the way never leaves one open.
#pragma once

#include <utility>

#include "certkeep/result.hpp"
#include "sql/connection.hpp"

namespace certkeep::sql {

class Transaction {
 public:
  // Begins a write transaction (the store's write lock; see Connection::begin_write).
  static Result<Transaction> write(Connection& connection, Durability durability = Durability::Synced) {
    if (auto begun = connection.begin_write(durability); !begun) return fail(std::move(begun).error());
    return Transaction(connection);
  }
  // Begins a read transaction: one snapshot for every statement until it ends.
  static Result<Transaction> read(Connection& connection) {
    if (auto begun = connection.begin_read(); !begun) return fail(std::move(begun).error());
    return Transaction(connection);
  }

  Transaction(Transaction&& other) noexcept : connection_(std::exchange(other.connection_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (connection_ != nullptr) connection_->rollback();
  }

  // Commits; the transaction is over either way (a failed commit is rolled back).
  Result<void> commit() {
    Connection* connection = std::exchange(connection_, nullptr);
    if (connection == nullptr) return fail(Errc::Internal, "commit: no transaction in progress");
    auto committed = connection->commit();
    if (!committed) connection->rollback();
    return committed;
  }

 private:
  explicit Transaction(Connection& connection) : connection_(&connection) {}
  Connection* connection_;
};

}  // namespace certkeep::sql
