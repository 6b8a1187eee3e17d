// SPDX-License-Identifier: Apache-2.0
// Copying a whole store to another engine (`certkeep store migrate --to postgresql://…`):
// every table, every row, every column, checked before it is committed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "store/store.hpp"

namespace certkeep::store {

struct CopiedTable {
  std::string name;
  std::int64_t rows = 0;
};

struct CopyReport {
  std::string source;  // describe_location of each: never a password
  std::string target;
  int schema_version = 0;
  std::vector<CopiedTable> tables;  // in copy order
};

// Copies the store at `source` into the empty store at `target` (each an SQLite path or a
// PostgreSQL URL), at the source's schema version, in one transaction of the target: its schema
// by the same migration steps, then every row of every table with its own ids; then every row
// is read back from both and compared column by column (generated columns too) before the
// commit. The source is only read (an SQLite file is opened read-only, in one snapshot); a
// failure leaves the target as it was. Errc::InvalidArgument when both name the same store;
// Errc::Store when the target is not empty (naming what it holds), the source has no store or
// one newer than this build, the schemas differ, or a row differs (naming the table, the row's
// key and the column, never a value).
Result<CopyReport> copy_store(const std::string& source, const std::string& target,
                              StoreOptions options = {});

}  // namespace certkeep::store
