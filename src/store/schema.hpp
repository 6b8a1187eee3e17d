// SPDX-License-Identifier: Apache-2.0
// The store's schema and its migrations, one list for every engine. Each step is written in
// SQLite's words; a connection's dialect (sql::Connection::schema_sql) says it in its own
// (PostgreSQL: BIGINT, identity columns, STORED generated columns, the "C" collation). The
// version lives where the engine keeps it (PRAGMA user_version, a table on PostgreSQL); every
// missing step runs in one write transaction, so a crash or a second process opening the same
// store at the same time never sees half a step.
#pragma once

#include <span>
#include <string_view>

#include "certkeep/result.hpp"
#include "sql/connection.hpp"

namespace certkeep::store {

// v1: accounts, certificates (lineages), orders, events.
// v2: leases; computed due_at and deploy_owed columns with their indexes.
// v3: ari_check_at (when to ask the CA's renewalInfo again) with its partial index.
// v4: issuers: issuer_kind and private CA settings of a lineage, private_cas.
// v5: servable_lineages, the narrow copy of what serving every lineage reads.
// v6: challenges: a lineage's TLS-ALPN-01 listener, DNS-01 method and per-name choices;
//     dns_records (DNS-01 records added and not yet removed).
// v7: named accounts with EAB and a pending key rollover; a lineage's account, profile, CSR,
//     fallback issuers, the issuer of its certificate and since when its issuer fails.
// v8: deployment: confirm and HAProxy targets, the last confirmation, expiry notices, the last
//     success and failure times.
// v9: a fleet: leases' fencing token, the change feed (changes), shared challenge answers
//     (challenges).
inline constexpr int kCurrentSchemaVersion = 9;

struct MigrationStep {
  int version;           // the version this step produces
  std::string_view sql;  // one or more statements, in SQLite's words
};

// Every step, oldest first. Exposed so tests can build a store at an older version.
std::span<const MigrationStep> migration_steps() noexcept;

// A table of the store, in the order rows can be copied (a table after those it refers to),
// with the columns that order its rows (its primary key): what `store migrate` copies and
// compares. A table the steps create must be listed here (tests/store/migration_test.cpp).
struct StoreTable {
  std::string_view name;
  std::string_view order_by;
};
std::span<const StoreTable> store_tables() noexcept;

// The connection's schema version (0: empty).
Result<int> schema_version_of(sql::Connection& connection);

// Applies the missing steps up to `target` (Default: kCurrentSchemaVersion) in one write
// transaction and returns the version reached. Errc::Store when the store is newer than this
// build or a step fails (nothing of it is left then).
Result<int> migrate(sql::Connection& connection, int target = kCurrentSchemaVersion);

// The steps after `from` up to `to` and the new version, inside the caller's write transaction.
Result<void> apply_steps(sql::Connection& connection, int from, int to);

}  // namespace certkeep::store
