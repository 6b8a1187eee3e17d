// SPDX-License-Identifier: Apache-2.0
#include "store/schema.hpp"

#include <array>
#include <string>

#include "core/result_macros.hpp"
#include "sql/transaction.hpp"

namespace certkeep::store {
namespace {

// Times are unix seconds (INTEGER; BIGINT on PostgreSQL). Text columns are NOT NULL with '' for
// "none", so the C++ side never has to tell NULL from empty; only optional times are nullable.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE accounts (
  id            INTEGER PRIMARY KEY,
  directory_url TEXT NOT NULL,
  account_url   TEXT NOT NULL DEFAULT '',
  key_pem       TEXT NOT NULL,
  contact       TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'valid',
  created_at    INTEGER NOT NULL
);
CREATE INDEX accounts_by_directory ON accounts(directory_url, id);

CREATE TABLE certificates (
  name                TEXT PRIMARY KEY NOT NULL,
  identifiers         TEXT NOT NULL,
  account_id          INTEGER REFERENCES accounts(id),
  status              TEXT NOT NULL CHECK (status IN
                        ('pending','valid','renewing','failed','revoked','expired','imported')),
  directory_url       TEXT NOT NULL DEFAULT '',
  ca_bundle           TEXT NOT NULL DEFAULT '',
  key_type            TEXT NOT NULL DEFAULT 'ec256',
  challenge_method    TEXT NOT NULL DEFAULT 'standalone',
  webroot             TEXT NOT NULL DEFAULT '',
  http_listen         TEXT NOT NULL DEFAULT ':80',
  preferred_chain     TEXT NOT NULL DEFAULT '',
  deploy_hook         TEXT NOT NULL DEFAULT '',
  email               TEXT NOT NULL DEFAULT '',
  reuse_key           INTEGER NOT NULL DEFAULT 0,
  key_pem             TEXT NOT NULL DEFAULT '',
  cert_pem            TEXT NOT NULL DEFAULT '',
  chain_pem           TEXT NOT NULL DEFAULT '',
  serial              TEXT NOT NULL DEFAULT '',
  issuer              TEXT NOT NULL DEFAULT '',
  not_before          INTEGER,
  not_after           INTEGER,
  ari_cert_id         TEXT NOT NULL DEFAULT '',
  renew_at            INTEGER,
  next_attempt_at     INTEGER,
  attempts            INTEGER NOT NULL DEFAULT 0,
  last_error          TEXT NOT NULL DEFAULT '',
  deployed_serial     TEXT NOT NULL DEFAULT '',
  hook_pending_serial TEXT NOT NULL DEFAULT '',
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
CREATE INDEX certificates_by_renew_at ON certificates(renew_at);

CREATE TABLE orders (
  lineage    TEXT PRIMARY KEY NOT NULL REFERENCES certificates(name) ON DELETE CASCADE,
  order_url  TEXT NOT NULL,
  status     TEXT NOT NULL,
  key_pem    TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- No foreign key: the history of a lineage outlives the lineage.
CREATE TABLE events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  lineage TEXT NOT NULL,
  kind    TEXT NOT NULL,
  serial  TEXT NOT NULL DEFAULT '',
  detail  TEXT NOT NULL DEFAULT '',
  at      INTEGER NOT NULL
);
CREATE INDEX events_by_lineage ON events(lineage, id);
)sql";

// due_at answers "when does this lineage next need work": the backoff time after a failure,
// else the planned renewal, else (never issued, nothing planned) its creation, so a lineage left
// pending by a crash is picked up again. Revoked and imported lineages are never renewed.
// `COALESCE(next_attempt_at, renew_at) <= ?` cannot use an index on either column; a computed
// column can. VIRTUAL generated columns are computed by SQLite on every write, so no write
// path can forget to maintain them (SQLite >= 3.31; bookworm has 3.40; PostgreSQL computes
// STORED ones on every write alike).
// deploy_owed marks lineages whose files or deploy hook lag behind their certificate; its
// partial index holds only those rows, so the check costs nothing when none are owed. It is an
// integer, 1 or 0, written as a CASE so PostgreSQL (whose comparisons are boolean) computes the
// same values SQLite does.
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE leases (
  name       TEXT PRIMARY KEY NOT NULL,
  owner      TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
ALTER TABLE certificates ADD COLUMN due_at INTEGER GENERATED ALWAYS AS (
  CASE WHEN status IN ('revoked','imported') THEN NULL
       ELSE COALESCE(next_attempt_at, renew_at, created_at) END) VIRTUAL;
CREATE INDEX certificates_by_due_at ON certificates(due_at);
ALTER TABLE certificates ADD COLUMN deploy_owed INTEGER GENERATED ALWAYS AS (
  CASE WHEN serial <> '' AND (deployed_serial <> serial OR hook_pending_serial = serial)
       THEN 1 ELSE 0 END) VIRTUAL;
CREATE INDEX certificates_deploy_owed ON certificates(deploy_owed) WHERE deploy_owed = 1;
DROP INDEX certificates_by_renew_at;
)sql";

// ari_check_at: when the CA's renewalInfo is next asked about the lineage's certificate
// (RFC 9773 §4.3: clients poll it, at the Retry-After the CA gives). NULL without ARI; the
// partial index holds only the rows that have one.
constexpr std::string_view kVersion3 = R"sql(
ALTER TABLE certificates ADD COLUMN ari_check_at INTEGER;
CREATE INDEX certificates_ari_check ON certificates(ari_check_at) WHERE ari_check_at IS NOT NULL;
)sql";

// Issuers: a lineage names who issues it (an ACME CA or one of certkeep's private CAs), and
// the private CAs live here, every generation of each, so a rotation can export old and new.
// Rows of earlier versions are ACME lineages: the defaults say so.
constexpr std::string_view kVersion4 = R"sql(
ALTER TABLE certificates ADD COLUMN issuer_kind TEXT NOT NULL DEFAULT 'acme';
ALTER TABLE certificates ADD COLUMN ca_name TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN leaf_lifetime INTEGER NOT NULL DEFAULT 0;
ALTER TABLE certificates ADD COLUMN expiry_warning INTEGER NOT NULL DEFAULT 0;
ALTER TABLE certificates ADD COLUMN server_ca_checksum TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN placeholder_serial TEXT NOT NULL DEFAULT '';
CREATE INDEX certificates_imported ON certificates(name) WHERE issuer_kind = 'imported';
CREATE TABLE private_cas (
  name       TEXT NOT NULL,
  generation INTEGER NOT NULL,
  state      TEXT NOT NULL,
  key_type   TEXT NOT NULL,
  key_pem    TEXT NOT NULL,
  cert_pem   TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (name, generation)
);
)sql";

// servable_lineages: one narrow row per lineage that can be served (it has a certificate and is
// not revoked), which a terminator serving every lineage reads at start and on each
// resynchronization (Store::for_each_servable_lineage): ~100 bytes a lineage instead of a
// certificates row with its PEM text (a covering index would do on SQLite, but PostgreSQL caps
// an index entry at 2,704 bytes and identifiers can be longer). Every write that changes a
// lineage's names, serial, expiry, status or existence keeps its row in the same transaction
// (SqlStore::sync_servable). `id` orders the pass's pages; the unique index finds a lineage.
constexpr std::string_view kVersion5 = R"sql(
CREATE TABLE servable_lineages (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  identifiers TEXT NOT NULL,
  serial      TEXT NOT NULL,
  not_after   INTEGER
);
CREATE UNIQUE INDEX servable_lineages_by_name ON servable_lineages(name);
INSERT INTO servable_lineages (name, identifiers, serial, not_after)
  SELECT name, identifiers, serial, not_after FROM certificates
  WHERE serial <> '' AND status <> 'revoked' ORDER BY name;
)sql";

// Challenges: a lineage's TLS-ALPN-01 listener, its DNS-01 method (the TSIG key stays in its
// file: only the path is here), per-name choices, and the DNS-01 records added and not yet
// removed, so the next run removes what a killed one left. Rows of earlier versions keep
// HTTP-01 and no DNS method: the defaults say so.
constexpr std::string_view kVersion6 = R"sql(
ALTER TABLE certificates ADD COLUMN tls_alpn_listen TEXT NOT NULL DEFAULT ':443';
ALTER TABLE certificates ADD COLUMN dns_method TEXT NOT NULL DEFAULT 'none';
ALTER TABLE certificates ADD COLUMN dns_server TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN dns_tsig_key_file TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN dns_hook TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN dns_resolver TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN dns_ttl INTEGER NOT NULL DEFAULT 60;
ALTER TABLE certificates ADD COLUMN dns_propagation_timeout INTEGER NOT NULL DEFAULT 120;
ALTER TABLE certificates ADD COLUMN dns_hook_timeout INTEGER NOT NULL DEFAULT 120;
ALTER TABLE certificates ADD COLUMN challenge_overrides TEXT NOT NULL DEFAULT '';
-- No foreign key: the records must outlive a removed lineage until they are gone from DNS.
CREATE TABLE dns_records (
  id            INTEGER PRIMARY KEY,
  lineage       TEXT NOT NULL,
  method        TEXT NOT NULL,
  server        TEXT NOT NULL DEFAULT '',
  tsig_key_file TEXT NOT NULL DEFAULT '',
  hook          TEXT NOT NULL DEFAULT '',
  zone          TEXT NOT NULL DEFAULT '',
  name          TEXT NOT NULL,
  value         TEXT NOT NULL,
  added_at      INTEGER NOT NULL
);
CREATE INDEX dns_records_by_lineage ON dns_records(lineage, name, value);
)sql";

// Accounts by name, with External Account Binding, how to reach their CA, and a key rollover in
// progress; lineages name their account and profile, may bring a CSR, list fallback issuers
// (one per line: kind, directory URL, CA bundle, server checksum, account, profile, CA name,
// separated by tabs), and record which issuer made their certificate and since when their
// issuer fails. Every earlier row keeps its meaning: no name, no EAB, no fallback.
constexpr std::string_view kVersion7 = R"sql(
ALTER TABLE accounts ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN ca_bundle TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN server_ca_checksum TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN eab_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN eab_mac_key TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN eab_algorithm TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN next_key_pem TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX accounts_by_name ON accounts(name) WHERE name <> '';
ALTER TABLE certificates ADD COLUMN account_name TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN profile TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN csr_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN fallback_issuers TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN fallback_after INTEGER NOT NULL DEFAULT 86400;
ALTER TABLE certificates ADD COLUMN issued_by TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN failing_since INTEGER;
CREATE INDEX certificates_by_account ON certificates(account_id);
)sql";

// Deployment: where a lineage's certificate is handed over and confirmed (confirm_targets
// "HOST:PORT[/SNI]" and haproxy_targets "SOCKET:CERTFILE", newline-separated like identifiers),
// the last confirmation's verdict (confirmation 'none'|'confirmed'|'stale', about
// confirmed_serial), the serial whose last-7-days notice the notify hook already got, and the
// last success and failure times (the metrics'). The times are taken from the history for the
// rows of earlier versions. not_after gets an index: the expiry notices read only the
// certificates in their last days.
constexpr std::string_view kVersion8 = R"sql(
ALTER TABLE certificates ADD COLUMN confirm_targets TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN haproxy_targets TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN confirmation TEXT NOT NULL DEFAULT 'none';
ALTER TABLE certificates ADD COLUMN confirmed_serial TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN confirmed_at INTEGER;
ALTER TABLE certificates ADD COLUMN confirmation_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN expiry_notified_serial TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN last_success_at INTEGER;
ALTER TABLE certificates ADD COLUMN last_failure_at INTEGER;
UPDATE certificates SET
  last_success_at = (SELECT MAX(at) FROM events
                     WHERE events.lineage = certificates.name AND events.kind IN ('issued','renewed')),
  last_failure_at = (SELECT MAX(at) FROM events
                     WHERE events.lineage = certificates.name AND events.kind = 'failed');
CREATE INDEX certificates_by_not_after ON certificates(not_after);
)sql";


// A fleet shares one store (PostgreSQL):
// - leases.token: the fencing token, one more each time a lineage's lease changes hands; every
//   write of a renewal checks it inside its transaction. Lease rows are kept after release
//   (owner '' and expiry 0) so the token never goes back.
// - changes: the change feed, one row per write that changes what a terminator serves; its id
//   is the cursor (ids commit in order: every write holds the store's one write lock).
// - challenges: answers pending at the CA, so any node answers whichever node ordered.
constexpr std::string_view kVersion9 = R"sql(
ALTER TABLE leases ADD COLUMN token INTEGER NOT NULL DEFAULT 0;
CREATE TABLE changes (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  kind    TEXT NOT NULL,
  subject TEXT NOT NULL,
  at      INTEGER NOT NULL
);
CREATE INDEX changes_by_at ON changes(at);
CREATE TABLE challenges (
  kind       TEXT NOT NULL,
  identifier TEXT NOT NULL,
  token      TEXT NOT NULL,
  response   TEXT NOT NULL,
  lineage    TEXT NOT NULL,
  owner      TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (kind, identifier, token)
);
CREATE INDEX challenges_by_token ON challenges(token);
CREATE INDEX challenges_by_expiry ON challenges(expires_at);
)sql";

constexpr std::array<MigrationStep, 9> kSteps{{
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
    {4, kVersion4},
    {5, kVersion5},
    {6, kVersion6},
    {7, kVersion7},
    {8, kVersion8},
    {9, kVersion9},
}};
static_assert(kSteps.back().version == kCurrentSchemaVersion);

// Parents first: certificates refer to accounts, orders to certificates.
constexpr std::array<StoreTable, 10> kTables{{
    {"accounts", "id"},
    {"certificates", "name"},
    {"orders", "lineage"},
    {"events", "id"},
    {"leases", "name"},
    {"private_cas", "name, generation"},
    {"servable_lineages", "id"},
    {"dns_records", "id"},
    {"changes", "id"},
    {"challenges", "kind, identifier, token"},
}};

}  // namespace

std::span<const MigrationStep> migration_steps() noexcept { return kSteps; }

std::span<const StoreTable> store_tables() noexcept { return kTables; }

Result<int> schema_version_of(sql::Connection& connection) { return connection.schema_version(); }

Result<void> apply_steps(sql::Connection& connection, int from, int to) {
  int version = from;
  for (const MigrationStep& step : kSteps) {
    if (step.version > to || version >= step.version) continue;
    if (version != step.version - 1)
      return fail(Errc::Store, "store schema version " + std::to_string(version) + " has no migration");
    if (auto applied = connection.execute(connection.schema_sql(step.sql)); !applied)
      return fail(std::move(applied).error().with_context("schema step " + std::to_string(step.version)));
    version = step.version;
  }
  if (version == from) return {};
  return connection.set_schema_version(version);
}

Result<int> migrate(sql::Connection& connection, int target) {
  if (target < 0 || target > kCurrentSchemaVersion)
    return fail(Errc::Internal, "migrate: no schema version " + std::to_string(target));
  const std::string what = "migrate store to schema v" + std::to_string(target);
  auto in_context = [&](Error error) { return fail(std::move(error).with_context(what)); };
  auto too_new = [](int version) {
    return fail(Errc::Store, "store schema version " + std::to_string(version) +
                                 " is newer than this certkeep understands (" +
                                 std::to_string(kCurrentSchemaVersion) + ")");
  };
  // A store already current is left alone: opening it takes no write lock, writes nothing and
  // costs no fsync, so opens never wait for another process's writes.
  auto seen = connection.schema_version();
  if (!seen) return in_context(std::move(seen).error());
  if (*seen > kCurrentSchemaVersion) return too_new(*seen);
  if (*seen >= target) return *seen;
  // Every missing step in one transaction: a new store is created with one commit (one fsync),
  // and an interrupted upgrade leaves the version it started from. The version is read again
  // under the write lock, so two processes opening a new store at once apply each step once.
  auto transaction = sql::Transaction::write(connection);
  if (!transaction) return in_context(std::move(transaction).error());
  auto found = connection.schema_version();
  if (!found) return in_context(std::move(found).error());
  if (*found > kCurrentSchemaVersion) return too_new(*found);
  if (*found >= target) return *found;
  if (auto applied = apply_steps(connection, *found, target); !applied)
    return in_context(std::move(applied).error());
  if (auto committed = transaction->commit(); !committed) return in_context(std::move(committed).error());
  return target;
}

}  // namespace certkeep::store
