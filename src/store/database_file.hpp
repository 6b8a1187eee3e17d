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

namespace certkeep::store {

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

}  // namespace certkeep::store
