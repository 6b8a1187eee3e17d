// SPDX-License-Identifier: Apache-2.0
// PgConnection: sql::Connection on one libpq connection. Write transactions serialize on a
// transaction-scoped advisory lock (one per schema), the PostgreSQL form of SQLite's
// BEGIN IMMEDIATE; a connection lost between transactions is opened again (PQreset) and its
// statements prepared again on first use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "sql/connection.hpp"

namespace certkeep::postgres {

struct ResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

class PgConnection final : public sql::Connection {
 public:
  struct ConnectionDeleter {
    void operator()(PGconn* connection) const noexcept { PQfinish(connection); }
  };
  using Handle = std::unique_ptr<PGconn, ConnectionDeleter>;

  // `connection` is established (CONNECTION_OK); `secret` is the password to keep out of
  // messages. Errc::Store when the session cannot be set up.
  static Result<std::unique_ptr<PgConnection>> start(Handle connection, std::string name, std::string secret,
                                                     const sql::ConnectOptions& options);

  sql::Engine engine() const noexcept override { return sql::Engine::Postgres; }
  const std::string& name() const noexcept override { return name_; }

  Result<std::unique_ptr<sql::Statement>> prepare(std::string_view sql) override;
  Result<void> execute(std::string_view sql) override;

  Result<void> begin_write(sql::Durability durability) override;
  Result<void> begin_read() override;
  Result<void> commit() override;
  void rollback() noexcept override;
  bool reconnect_if_lost() noexcept override;

  Result<int> schema_version() override;
  Result<void> set_schema_version(int version) override;
  std::string schema_sql(std::string_view canonical) const override;
  Result<std::vector<std::string>> table_names() override;
  Result<std::vector<sql::Column>> columns(std::string_view table) override;
  Result<void> after_copy() override;

  // For PgStatement ------------------------------------------------------------------------
  PGconn* handle() const noexcept { return connection_.get(); }
  // Bumped whenever the connection is opened again: statements prepared before are gone.
  std::uint64_t generation() const noexcept { return generation_; }
  std::string next_statement_name() { return "certkeep_" + std::to_string(++statements_made_); }
  // A statement no longer used: DEALLOCATEd before the next command (a round trip saved).
  void forget_statement(std::string name, std::uint64_t generation);
  // The error of a failed command, naming the server.
  Error error_of(const PGresult* result) const;
  // Sends the DEALLOCATEs of forgotten statements (best effort).
  void deallocate_forgotten() noexcept;

 private:
  PgConnection(Handle connection, std::string name, std::string secret, const sql::ConnectOptions& options)
      : connection_(std::move(connection)),
        name_(std::move(name)),
        secret_(std::move(secret)),
        options_(options) {}

  // lock_timeout, client encoding, the advisory lock's key (this schema's oid).
  Result<void> set_up_session();
  // A command without parameters; an error unless it succeeded.
  Result<PgResult> run(std::string_view sql);
  bool in_transaction() const noexcept;

  Handle connection_;
  std::string name_;
  std::string secret_;
  sql::ConnectOptions options_;
  std::int64_t lock_key_ = 0;
  std::uint64_t generation_ = 1;
  std::uint64_t statements_made_ = 0;
  std::vector<std::string> forgotten_;  // statement names to DEALLOCATE
};

}  // namespace certkeep::postgres
