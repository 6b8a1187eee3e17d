// SPDX-License-Identifier: Apache-2.0
// The store's schema and its migrations. PRAGMA user_version holds the version; each migration
// step takes the schema from version N-1 to N in its own BEGIN IMMEDIATE transaction, so a crash
// or a second process opening the same file at the same time never sees half a step.
#pragma once

#include <span>
#include <string_view>

#include <SQLiteCpp/Database.h>

#include "certkeep/result.hpp"

namespace certkeep::store {

// v1: accounts, certificates (lineages), orders, events.
// v2: leases; computed due_at and deploy_owed columns with their indexes.
// v3: ari_check_at (when to ask the CA's renewalInfo again) with its partial index.
inline constexpr int kCurrentSchemaVersion = 4;

struct MigrationStep {
  int version;           // the version this step produces
  std::string_view sql;  // one or more statements
};

// Every step, oldest first. Exposed so tests can build a store at an older version.
std::span<const MigrationStep> migration_steps() noexcept;

// Reads PRAGMA user_version.
Result<int> schema_version_of(SQLite::Database& db);

// Applies the missing steps up to `target` (Default: kCurrentSchemaVersion) and returns the
// version reached. Errc::Store when the file is newer than this build or a step fails.
Result<int> migrate(SQLite::Database& db, int target = kCurrentSchemaVersion);

}  // namespace certkeep::store
