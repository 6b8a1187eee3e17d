// SPDX-License-Identifier: Apache-2.0
// The SQLite engine: the store in one file (WAL), behind the SQL seam (sql/connection.hpp).
// The only module that includes SQLiteCpp and sqlite3.
#pragma once

#include <filesystem>
#include <memory>

#include "certkeep/result.hpp"
#include "sql/connection.hpp"

namespace certkeep::sqlite {

// Opens the store file, creating it 0600 (and its directories 0700) when missing: WAL, foreign
// keys, secure_delete, synchronous=FULL, the busy timeout, and PRAGMA quick_check when
// options.verify_integrity. Errc::Io for the directory or file; Errc::Store "not an SQLite
// database" / "store corrupt: …"; Errc::Busy when another connection holds the file past the
// busy timeout.
Result<std::unique_ptr<sql::Connection>> open_file(const std::filesystem::path& path,
                                                   const sql::ConnectOptions& options);

// Opens an existing store file read-only: nothing is created or written (`store migrate`'s
// source). Errc::Store as open_file.
Result<std::unique_ptr<sql::Connection>> open_file_read_only(const std::filesystem::path& path,
                                                             const sql::ConnectOptions& options);

// A private in-memory database with the same settings (for tests).
Result<std::unique_ptr<sql::Connection>> open_memory();

}  // namespace certkeep::sqlite
