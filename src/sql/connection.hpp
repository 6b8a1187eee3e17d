// SPDX-License-Identifier: Apache-2.0
// The SQL seam between the store's logic (store/) and a database engine (sqlite/, postgres/):
// one connection with prepared statements bound by number, stepped row by row and read by
// typed columns, transactions, and the dialect — the few things each engine says its own way
// (schema DDL, where the schema version lives, the catalog). No library header here: the
// store is written once against these two interfaces, and each engine module alone includes
// its library.
//
// SQL given to a connection is written once for every engine: SQLite's and PostgreSQL's common
// ground (UPSERT with ON CONFLICT, RETURNING, row-value UPDATE SET (a, b) = (…)), with numbered
// parameters ?1, ?2, … (PostgreSQL's engine turns them into $1, $2, …).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"

namespace certkeep::sql {

enum class Engine { Sqlite, Postgres };
std::string_view to_string(Engine engine) noexcept;

// How a write transaction's commit reaches the disk. Synced: durable when commit() returns.
// Unsynced: for bookkeeping whose loss in a power cut (or a server crash) the next run redoes;
// it becomes durable with the next synced commit and is never reordered before it (SQLite's
// synchronous=NORMAL in WAL mode, PostgreSQL's synchronous_commit=off).
enum class Durability { Synced, Unsynced };

struct ConnectOptions {
  // How long a writer waits for another connection's write lock before Errc::Busy
  // "store is busy" (SQLite's busy timeout, PostgreSQL's lock_timeout).
  std::chrono::milliseconds busy_timeout{5000};
  // SQLite: PRAGMA quick_check at open (reads the whole file). Ignored by PostgreSQL, which
  // checks its own pages.
  bool verify_integrity = false;
};

// A column of a table as the engine's catalog describes it.
struct Column {
  std::string name;
  bool generated = false;  // computed by the engine (GENERATED ALWAYS AS …): never inserted
  friend bool operator==(const Column&, const Column&) = default;
};

// One prepared statement of a connection. Not thread-safe (nor is its connection).
//
// Parameters are numbered from 1 (?N in the SQL). Binding never fails: a bad index or value is
// reported by the next step() or execute(). A statement runs when first stepped or executed;
// reset() ends the run and clears the bindings, and a statement is reused after it.
class Statement {
 public:
  virtual ~Statement() = default;

  virtual void bind_int64(int index, std::int64_t value) = 0;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_null(int index) = 0;

  // Runs the statement (on the first call) and moves to its next result row: true while there
  // is one. Errc::Busy "store is busy" when another writer held the lock past the busy timeout;
  // Errc::Store otherwise, with the engine's words.
  virtual Result<bool> step() = 0;
  // Runs a statement that returns no rows to its end: the number of rows it changed.
  virtual Result<std::int64_t> execute() = 0;

  // The current row's columns, numbered from 0. A NULL reads as 0 / "", an integer as its
  // decimal text, and a column that holds no integer (nor a boolean) as 0.
  virtual int column_count() const = 0;
  virtual bool is_null(int column) const = 0;
  virtual std::int64_t int64(int column) const = 0;
  virtual std::string text(int column) const = 0;

  virtual void reset() noexcept = 0;
};

// One connection to one store. Not thread-safe: one per thread. Every method either fully
// happens or reports an error; none throws.
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Engine engine() const noexcept = 0;
  // What the store is, for messages: an SQLite file's path, or the PostgreSQL server and
  // database (never a password).
  virtual const std::string& name() const noexcept = 0;

  // A new prepared statement (the store keeps them in a StatementCache). Errc::Store for SQL
  // the engine refuses.
  virtual Result<std::unique_ptr<Statement>> prepare(std::string_view sql) = 0;
  // Runs one or more statements without parameters or results (the schema's DDL).
  virtual Result<void> execute(std::string_view sql) = 0;

  // Transactions, one at a time. A write transaction holds the store's one write lock from
  // begin to end, so every writer sees what the previous one committed and two writers never
  // interleave (SQLite's BEGIN IMMEDIATE; on PostgreSQL a transaction-scoped advisory lock in a
  // READ COMMITTED transaction). Errc::Busy when the lock stays taken past the busy timeout.
  virtual Result<void> begin_write(Durability durability) = 0;
  // A read transaction: one consistent snapshot for several statements (no lock).
  virtual Result<void> begin_read() = 0;
  virtual Result<void> commit() = 0;
  // Ends the transaction in progress, if any, undoing its writes.
  virtual void rollback() noexcept = 0;

  // A connection that was lost (a PostgreSQL server restarted) is opened again when no
  // transaction was in progress: true when it was, so a read that failed may run once more.
  // Always false for SQLite.
  virtual bool reconnect_if_lost() noexcept = 0;

  // ---- the dialect ----------------------------------------------------------------------
  // The schema version (0: an empty store). SQLite keeps it in PRAGMA user_version,
  // PostgreSQL in a table of its own (certkeep_schema).
  virtual Result<int> schema_version() = 0;
  // Records the version, inside a write transaction.
  virtual Result<void> set_schema_version(int version) = 0;
  // A migration step's DDL, written in SQLite's words (store/schema.cpp), in this engine's.
  virtual std::string schema_sql(std::string_view canonical) const = 0;
  // Every table of the store's schema (not the engine's own bookkeeping), sorted by name.
  virtual Result<std::vector<std::string>> table_names() = 0;
  // The columns of `table`, in their order.
  virtual Result<std::vector<Column>> columns(std::string_view table) = 0;
  // After rows were copied in with their own ids: the next generated id follows the largest
  // one (PostgreSQL's identity sequences; SQLite needs nothing). Inside the copy's transaction.
  virtual Result<void> after_copy() = 0;
};

}  // namespace certkeep::sql
