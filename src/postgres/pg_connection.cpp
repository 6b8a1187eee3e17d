// SPDX-License-Identifier: Apache-2.0
#include "postgres/pg_connection.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/result_macros.hpp"
#include "postgres/pg_dialect.hpp"
#include "postgres/pg_errors.hpp"
#include "postgres/pg_statement.hpp"

namespace certkeep::postgres {
namespace {

// The store's version lives in a one-row table of its own schema.
constexpr const char* kVersionTable = "certkeep_schema";
// The high half of the advisory lock key ("ckst"); the low half is the schema's oid, so stores
// in two schemas of one database do not share a lock.
constexpr std::int64_t kLockKeyHigh = 0x636B7374;

void ignore_notice(void*, const char*) {}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::start(Handle connection, std::string name,
                                                          std::string secret,
                                                          const sql::ConnectOptions& options) {
  std::unique_ptr<PgConnection> started(
      new PgConnection(std::move(connection), std::move(name), std::move(secret), options));
  CERTKEEP_TRY(started->set_up_session());
  return started;
}

Error PgConnection::error_of(const PGresult* result) const {
  Error error = command_error(name_, result, connection_.get());
  if (secret_.empty() || error.message().find(secret_) == std::string::npos) return error;
  return Error(error.code(), libpq_message(error.message().c_str(), secret_));
}

Result<void> PgConnection::set_up_session() {
  // "relation … already exists, skipping" and the like are not for the operator's terminal.
  PQsetNoticeProcessor(connection_.get(), &ignore_notice, nullptr);
  if (PQserverVersion(connection_.get()) < 120000)
    return fail(Errc::Store, name_ + ": PostgreSQL " + std::to_string(PQserverVersion(connection_.get())) +
                                 " is too old (12 or later: STORED generated columns)");
  // The busy timeout is how long a writer waits for the advisory lock (0 would wait forever).
  const auto wait_ms = std::max<std::int64_t>(1, options_.busy_timeout.count());
  CERTKEEP_TRY(run("SET lock_timeout = '" + std::to_string(wait_ms) + "ms'"));
  PgResult schema =
      CERTKEEP_TRY(run("SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema()"));
  if (PQntuples(schema.get()) != 1 || PQgetisnull(schema.get(), 0, 0) != 0)
    return fail(Errc::Store,
                name_ + ": no schema to keep the store in (its search_path names none that exists)");
  const std::int64_t oid = std::strtoll(PQgetvalue(schema.get(), 0, 0), nullptr, 10);
  lock_key_ = (kLockKeyHigh << 32) | (oid & 0xFFFFFFFF);
  return {};
}

Result<PgResult> PgConnection::run(std::string_view sql) {
  deallocate_forgotten();
  PgResult result(PQexec(connection_.get(), std::string(sql).c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return fail(error_of(result.get()));
  return result;
}

bool PgConnection::in_transaction() const noexcept {
  const PGTransactionStatusType status = PQtransactionStatus(connection_.get());
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

void PgConnection::forget_statement(std::string name, std::uint64_t generation) {
  // Statements of an earlier connection died with it.
  if (generation == generation_) forgotten_.push_back(std::move(name));
}

void PgConnection::deallocate_forgotten() noexcept {
  // Only between transactions: a failed DEALLOCATE must never abort the caller's transaction.
  if (forgotten_.empty() || PQtransactionStatus(connection_.get()) != PQTRANS_IDLE) return;
  std::string sql;
  for (const std::string& name : forgotten_) sql += "DEALLOCATE " + name + ";";
  forgotten_.clear();
  PQclear(PQexec(connection_.get(), sql.c_str()));
}

Result<std::unique_ptr<sql::Statement>> PgConnection::prepare(std::string_view sql) {
  auto numbered = dollar_parameters(sql);
  if (!numbered) return fail(std::move(numbered).error());
  auto statement = std::make_unique<PgStatement>(*this, std::move(numbered->sql), numbered->parameters);
  CERTKEEP_TRY(statement->ensure_prepared());
  return std::unique_ptr<sql::Statement>(std::move(statement));
}

Result<void> PgConnection::execute(std::string_view sql) {
  CERTKEEP_TRY(run(sql));
  return {};
}

Result<void> PgConnection::begin_write(sql::Durability durability) {
  // READ COMMITTED: every statement after the lock sees what the previous holder committed (a
  // snapshot taken before the wait, as REPEATABLE READ would, could not).
  std::string sql =
      "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" + std::to_string(lock_key_) + ")";
  if (durability == sql::Durability::Unsynced) sql += "; SET LOCAL synchronous_commit = off";
  auto begun = run(sql);
  // A connection lost since the last transaction (the server restarted): nothing was in flight,
  // so open it again and begin once more.
  if (!begun && reconnect_if_lost()) begun = run(sql);
  if (!begun) {
    rollback();
    return fail(std::move(begun).error());
  }
  return {};
}

Result<void> PgConnection::begin_read() {
  const char* sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  auto begun = run(sql);
  if (!begun && reconnect_if_lost()) begun = run(sql);
  if (!begun) {
    rollback();
    return fail(std::move(begun).error());
  }
  return {};
}

Result<void> PgConnection::commit() {
  PgResult committed = CERTKEEP_TRY(run("COMMIT"));
  // COMMIT of a transaction a failed statement aborted answers ROLLBACK, not an error.
  if (std::strcmp(PQcmdStatus(committed.get()), "COMMIT") != 0)
    return fail(Errc::Store, name_ + ": the transaction was rolled back, not committed");
  return {};
}

void PgConnection::rollback() noexcept {
  if (PQstatus(connection_.get()) == CONNECTION_OK && in_transaction())
    PQclear(PQexec(connection_.get(), "ROLLBACK"));
}

bool PgConnection::reconnect_if_lost() noexcept {
  if (PQstatus(connection_.get()) != CONNECTION_BAD) return false;
  PQreset(connection_.get());
  if (PQstatus(connection_.get()) != CONNECTION_OK) return false;
  ++generation_;
  forgotten_.clear();
  return static_cast<bool>(set_up_session());
}

Result<int> PgConnection::schema_version() {
  PgResult exists = CERTKEEP_TRY(run(std::string("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = "
                                                 "current_schema() AND tablename = '") +
                                     kVersionTable + "'"));
  if (PQntuples(exists.get()) == 0) return 0;
  PgResult version = CERTKEEP_TRY(run(std::string("SELECT max(version) FROM ") + kVersionTable));
  if (PQntuples(version.get()) == 0 || PQgetisnull(version.get(), 0, 0) != 0) return 0;
  return std::atoi(PQgetvalue(version.get(), 0, 0));
}

Result<void> PgConnection::set_schema_version(int version) {
  const std::string table = kVersionTable;
  CERTKEEP_TRY(run("CREATE TABLE IF NOT EXISTS " + table + " (version INTEGER NOT NULL); DELETE FROM " +
                   table + "; INSERT INTO " + table + " (version) VALUES (" + std::to_string(version) + ")"));
  return {};
}

std::string PgConnection::schema_sql(std::string_view canonical) const {
  return postgres::schema_sql(canonical);
}

Result<std::vector<std::string>> PgConnection::table_names() {
  PgResult tables =
      CERTKEEP_TRY(run(std::string("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = "
                                   "current_schema() AND tablename <> '") +
                       kVersionTable + "' ORDER BY tablename COLLATE \"C\""));
  std::vector<std::string> names;
  for (int row = 0; row < PQntuples(tables.get()); ++row)
    names.emplace_back(PQgetvalue(tables.get(), row, 0));
  return names;
}

Result<std::vector<sql::Column>> PgConnection::columns(std::string_view table) {
  auto statement = CERTKEEP_TRY(
      prepare("SELECT column_name, is_generated FROM information_schema.columns WHERE table_schema = "
              "current_schema() AND table_name = ?1 ORDER BY ordinal_position"));
  statement->bind_text(1, table);
  std::vector<sql::Column> columns;
  while (CERTKEEP_TRY(statement->step()))
    columns.push_back(sql::Column{statement->text(0), statement->text(1) == "ALWAYS"});
  return columns;
}

Result<void> PgConnection::after_copy() {
  PgResult identities = CERTKEEP_TRY(run(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
      "AND is_identity = 'YES'"));
  for (int row = 0; row < PQntuples(identities.get()); ++row) {
    const std::string table = PQgetvalue(identities.get(), row, 0);
    const std::string column = PQgetvalue(identities.get(), row, 1);
    char* quoted_table = PQescapeIdentifier(connection_.get(), table.c_str(), table.size());
    char* quoted_column = PQescapeIdentifier(connection_.get(), column.c_str(), column.size());
    if (quoted_table == nullptr || quoted_column == nullptr) {
      PQfreemem(quoted_table);
      PQfreemem(quoted_column);
      return fail(error_of(nullptr));
    }
    const std::string qt = quoted_table;
    const std::string qc = quoted_column;
    PQfreemem(quoted_table);
    PQfreemem(quoted_column);
    auto statement =
        CERTKEEP_TRY(prepare("SELECT setval(pg_get_serial_sequence(?1, ?2), COALESCE((SELECT MAX(" + qc +
                             ") FROM " + qt + "), 0) + 1, false)"));
    statement->bind_text(1, qt);
    statement->bind_text(2, column);
    CERTKEEP_TRY(statement->step());
  }
  return {};
}

}  // namespace certkeep::postgres
