// SPDX-License-Identifier: Apache-2.0
// Opening the SQLite file safely: the directory (0700) and file (0600) are created by us before
// SQLite touches them, because the file holds private keys and SQLite gives its -wal and -shm
// files the database file's mode. Then the connection settings every Store relies on.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include <SQLiteCpp/Database.h>

#include "certkeep/result.hpp"

namespace certkeep::sqlite {

// Creates missing parent directories 0700 and the file 0600 (O_NOFOLLOW). An existing file
// readable by group or others is narrowed to 0600. Errc::Io on failure.
Result<void> prepare_database_file(const std::filesystem::path& db_path);

// Opens an existing file: WAL, synchronous=FULL, foreign_keys, secure_delete, busy timeout,
// then PRAGMA quick_check when `verify_integrity`. Errc::Store "not an SQLite database" / "store corrupt: …";
// Errc::Busy when another connection holds the file for longer than `busy_timeout`.
Result<std::unique_ptr<SQLite::Database>> open_database_file(const std::filesystem::path& db_path,
                                                             std::chrono::milliseconds busy_timeout,
                                                             bool verify_integrity);

// A private in-memory database with the same connection settings (no WAL: memory journal).
Result<std::unique_ptr<SQLite::Database>> open_memory_database();

// An existing file opened read-only (no WAL switch, nothing written): `store migrate` reads its
// source this way. Errc::Store as open_database_file.
Result<std::unique_ptr<SQLite::Database>> open_database_file_read_only(
    const std::filesystem::path& db_path, std::chrono::milliseconds busy_timeout);

// While alive, the connection's commits are not synced (synchronous=NORMAL); the destructor
// puts back synchronous=FULL (sql::Durability::Unsynced). With WAL, commits reach the log in order and each
// synced commit syncs every frame before it, so an unsynced commit becomes durable with the next synced one:
// a power cut may lose the latest unsynced commits, never reorder them, and a process crash
// loses nothing. Create it outside a transaction (SQLite applies the level per transaction).
class UnsyncedCommits {
 public:
  explicit UnsyncedCommits(SQLite::Database& db);  // throws SQLite::Exception
  ~UnsyncedCommits();
  UnsyncedCommits(const UnsyncedCommits&) = delete;
  UnsyncedCommits& operator=(const UnsyncedCommits&) = delete;

 private:
  SQLite::Database& db_;
};

}  // namespace certkeep::sqlite
