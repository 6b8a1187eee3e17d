// SPDX-License-Identifier: Apache-2.0
// Store: the single source of truth for accounts, lineages, in-flight orders and events, in
// one SQLite file (WAL, the default) or a PostgreSQL database (a fleet's shared store). The
// logic is written once against the SQL seam (sql/connection.hpp); the engines (sqlite/,
// postgres/) alone include their libraries, and their failures reach callers as Errc::Store
// or Errc::Busy errors.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "sql/connection.hpp"
#include "store/records.hpp"

namespace certkeep::store {

struct StoreOptions {
  // Default: 5 s waiting for another process's write lock, then Errc::Busy "store is busy".
  std::chrono::milliseconds busy_timeout{5000};
  // SQLite: PRAGMA quick_check at open reads the whole file (about 1 s for 100,000 lineages),
  // so it runs where a long-lived process starts (the daemon, the library), not on every
  // `renew`; SQLite still reports damaged pages it touches as "database disk image is
  // malformed". PostgreSQL checks its own pages; ignored there.
  bool verify_integrity = false;
};

// True for a PostgreSQL connection URI ("postgresql://…" or "postgres://…"); any other
// location is an SQLite file path.
bool is_postgres_location(std::string_view location) noexcept;

// What a location names, for messages: the path, or the PostgreSQL server, database and user
// without a password.
std::string describe_location(std::string_view location);

// Wakes a follower of the change feed (Store::changes_since) when another connection commits a
// change: see sql::ChangeSignal.
using ChangeSignal = sql::ChangeSignal;

// The change signal of the store at `location`: on PostgreSQL a connection of its own that
// LISTENs for the store's announcements; nullptr for SQLite, whose followers read
// latest_change() at a short interval instead (cheap: one indexed read; never the CA).
// Errc::Store naming the server when it cannot connect.
Result<std::unique_ptr<ChangeSignal>> open_change_signal(const std::string& location, StoreOptions options = {});

// One connection. Not thread-safe: one Store per thread (SQLite's WAL and PostgreSQL let several
// processes and connections share a store). Every method either fully happens or not at all.
class Store {
 public:
  // Opens the store at `location` and migrates it to the current schema:
  //  - an SQLite file path (certkeep's default, <state-dir>/certkeep.db): the file is created
  //    0600 (and its directory 0700) when missing, with WAL, foreign keys, secure_delete and
  //    the busy timeout. Errc::Io for the directory; Errc::Store "not an SQLite database" /
  //    "store corrupt: …" (the latter when asked to verify and integrity fails).
  //  - a PostgreSQL connection URI (postgresql://[user@]host[:port]/database?…, including
  //    host=/socket/dir; a password is better left to ~/.pgpass or PGPASSFILE than the URI):
  //    the database must exist; its current schema (search_path) gets the store's tables.
  //    Errc::Store naming the server (never the password) for a bad URI, an unreachable
  //    server, a refused login, a database that is read-only or out of space.
  // Errc::Store when the store's schema is newer than this build. Nothing changes on failure.
  static Result<std::unique_ptr<Store>> open(const std::string& location, StoreOptions options = {});
  // For tests: a private in-memory database at the current schema.
  static Result<std::unique_ptr<Store>> open_in_memory();
  virtual ~Store() = default;

  virtual int schema_version() const = 0;

  // Accounts: one per (directory_url, key). find_account returns the newest for the URL.
  virtual Result<std::optional<AccountRecord>> find_account(const std::string& directory_url) = 0;
  virtual Result<AccountRecord> get_account(std::int64_t id) = 0;
  // Inserts (id == 0) or updates; returns the stored record with its id. Errc::InvalidArgument
  // when another account has the same (non-empty) name.
  virtual Result<AccountRecord> save_account(AccountRecord account) = 0;
  // Every account, oldest first.
  virtual Result<std::vector<AccountRecord>> list_accounts() = 0;
  // The account named `name`, or nullopt.
  virtual Result<std::optional<AccountRecord>> find_account_by_name(const std::string& name) = 0;
  // The lineages whose certificate account `id` ordered (their account_id), sorted.
  virtual Result<std::vector<std::string>> lineages_using_account(std::int64_t id) = 0;
  // One transaction: account `id` is deactivated, and each lineage using it gets `detail` as its
  // last error and an AccountDeactivated event. Returns those lineages. Errc::NotFound.
  virtual Result<std::vector<std::string>> record_account_deactivated(std::int64_t id,
                                                                      const std::string& detail) = 0;

  // Lineages.
  virtual Result<std::optional<LineageRecord>> find_lineage(const std::string& name) = 0;
  // Inserts or replaces settings/identifiers/account/status of a lineage, keeping its
  // certificate columns. Used by `issue` before ordering.
  virtual Result<void> upsert_lineage(const LineageRecord& lineage) = 0;
  virtual Result<std::vector<LineageRecord>> list_lineages() = 0;
  // The same rows without key_pem, cert_pem and chain_pem (left empty): what a listing needs,
  // at a fraction of the memory for a large store.
  virtual Result<std::vector<LineageRecord>> list_lineage_summaries() = 0;
  // The summaries of the imported lineages only (bring your own), by an index: what every
  // `renew` checks for expiry without reading the whole table.
  virtual Result<std::vector<LineageRecord>> imported_lineages() = 0;
  // Lineages whose renew_at ≤ now or next_attempt_at ≤ now (whichever applies), and that are
  // not revoked/imported. Uses the index: its cost grows with the due rows, not the table.
  virtual Result<std::vector<LineageRecord>> due_lineages(SystemTime now) = 0;
  // Earliest renew_at / next_attempt_at over all renewable lineages, or ari_check_at if that
  // comes first (for the daemon's sleep).
  virtual Result<std::optional<SystemTime>> next_due_time() = 0;
  // Lineages with a certificate whose renewalInfo poll is due (ari_check_at ≤ now). Indexed.
  virtual Result<std::vector<LineageRecord>> ari_check_due(SystemTime now) = 0;
  // Records a renewalInfo answer for `serial`: the new renew_at (unchanged when nullopt) and
  // the next poll. A no-op when the lineage has meanwhile moved to another serial.
  virtual Result<void> record_renewal_info(const std::string& name, const std::string& serial,
                                           std::optional<SystemTime> renew_at, SystemTime next_check) = 0;
  virtual Result<void> set_status(const std::string& name, LineageStatus status) = 0;
  // Moves the lineage's planned renewal to `at` (a private CA's rotation makes its leaves due).
  virtual Result<void> set_renew_at(const std::string& name, SystemTime at) = 0;
  // Lineages with a certificate whose files or hook are behind: deployed_serial != serial, or
  // hook_pending_serial == serial (a deploy hook still to succeed). Cheap when none are.
  virtual Result<std::vector<LineageRecord>> deploy_pending_lineages() = 0;
  // Benchmarks and tests: inserts many complete lineages in one transaction.
  virtual Result<void> insert_lineages_bulk(const std::vector<LineageRecord>& lineages) = 0;
  // Every lineage that can be served (a certificate, not revoked), one visit each, for a
  // terminator that serves them all: from servable_lineages, a narrow table every write keeps
  // (never the certificates' rows and their PEM text), read in pages of `page_rows` rows, so a
  // pass over a million lineages holds one page at a time. Each page is its own read: a lineage
  // changed during the pass is seen as it was or as it became (one added meanwhile is seen; one
  // removed and added again meanwhile may be seen twice). `visit` runs between pages' reads (not
  // inside one) and must not throw.
  using ServableVisitor = std::function<void(const ServableLineageRecord&)>;
  virtual Result<void> for_each_servable_lineage(const ServableVisitor& visit, std::size_t page_rows = 10000) = 0;

  // One transaction: new key/cert/chain/facts, status valid, attempts 0, last_error and
  // failing_since cleared, issued_by and (when not 0) account_id set, the in-flight order
  // deleted, hook_pending_serial = serial when a deploy hook is set, and an Issued or Renewed
  // event appended. An empty key needs cert.key_held_elsewhere (a CSR's lineage).
  virtual Result<void> commit_issuance(const std::string& name, const IssuedCertificate& cert,
                                       HistoryKind kind) = 0;
  // One transaction: attempts+1, next_attempt_at, last_error, failing_since (now, unless set),
  // status (Failed if never issued, else stays Valid), a Failed event with `detail`. The
  // certificate columns are untouched.
  virtual Result<void> record_failure(const std::string& name, const std::string& error_text,
                                      const std::string& detail, SystemTime next_attempt_at) = 0;
  // deployed_serial = serial, a Deployed event, and a last_error left by a failed deployment
  // cleared (a renewal's error stays).
  virtual Result<void> record_deployed(const std::string& name, const std::string& serial) = 0;
  // The live files could not be switched to `serial`: last_error = "deploy failed: <error>" and
  // a DeployFailed event. No backoff: the next run deploys again.
  virtual Result<void> record_deploy_failure(const std::string& name, const std::string& serial,
                                             const std::string& error_text) = 0;
  virtual Result<void> record_hook_result(const std::string& name, const std::string& serial, bool succeeded,
                                          const std::string& detail) = 0;
  virtual Result<void> update_settings(const std::string& name, const LineageSettings& settings) = 0;
  // The verdict of a deployment confirmation about `serial`: the lineage's confirmation columns
  // (left alone when the lineage has meanwhile moved to another serial) and a Confirmed or
  // Stale event with `detail`, in one transaction. InvalidArgument for ConfirmationState::None.
  virtual Result<void> record_confirmation(const std::string& name, const std::string& serial,
                                           ConfirmationState state, const std::string& detail) = 0;
  // Summaries of the lineages whose certificate expires at or before `before` and whose notice
  // for that serial has not been marked (revoked ones excepted), soonest first. Indexed on
  // not_after: its cost grows with the certificates near their end, not the table.
  virtual Result<std::vector<LineageRecord>> expiry_notice_due(SystemTime before) = 0;
  // The notify hook told the operator about `serial`'s last days; a no-op after a renewal.
  virtual Result<void> mark_expiry_notified(const std::string& name, const std::string& serial) = 0;
  // Removes the lineage, its order and keeps its events (history survives removal).
  virtual Result<void> remove_lineage(const std::string& name) = 0;

  // Private CAs (`certkeep ca`): the names, sorted.
  virtual Result<std::vector<std::string>> private_ca_names() = 0;
  // Every generation of CA `name`, newest first; empty when there is no such CA.
  virtual Result<std::vector<PrivateCaRecord>> private_ca_generations(const std::string& name) = 0;
  // Adds the next generation of `ca.name` (its number is assigned). An Active one retires every
  // other generation not yet retired; a Next one is refused (InvalidArgument) when the CA has a
  // Next already, or no Active one. One transaction.
  virtual Result<PrivateCaRecord> add_private_ca(PrivateCaRecord ca) = 0;
  // Next becomes Active and the Active one Retired, in one transaction. NotFound without a Next.
  virtual Result<PrivateCaRecord> activate_next_private_ca(const std::string& name) = 0;

  // In-flight orders.
  virtual Result<void> save_order(const OrderRecord& order) = 0;
  virtual Result<std::optional<OrderRecord>> find_order(const std::string& lineage) = 0;
  virtual Result<void> delete_order(const std::string& lineage) = 0;

  // DNS-01 records added and not yet removed (a killed run's leftovers, for the next run).
  // Noted (synced) before the record is sent to the DNS server; forgotten once it is gone.
  virtual Result<void> add_dns_records(const std::vector<DnsRecordRow>& records) = 0;
  // Forgets the rows of `lineage` with these names and values; unknown ones are ignored.
  virtual Result<void> remove_dns_records(const std::string& lineage, const std::vector<DnsRecordKey>& records) = 0;
  // The rows of `lineage`, oldest first. Errc::Store for a method this build does not know.
  virtual Result<std::vector<DnsRecordRow>> dns_records(const std::string& lineage) = 0;
  // The lineages with at least one row (what `renew` repairs, due or not).
  virtual Result<std::vector<std::string>> lineages_with_dns_records() = 0;

  // Events, newest last.
  virtual Result<void> append_event(const EventRecord& event) = 0;
  virtual Result<std::vector<EventRecord>> events(const std::string& lineage, std::size_t limit = 100) = 0;

  // Leases: one renewer per lineage across processes and machines. A lease has an owner, an
  // expiry and a fencing token that grows by one each time the lease changes hands (never
  // reused, also after release). acquire_lease takes it when it is free, expired, already
  // ours, or held by an owner `abandoned` says is gone (a crashed process of this machine):
  // the grant, or nullopt when a live owner holds it. The check and the take are atomic under
  // the store's write lock, across a fleet.
  //
  // Fencing: while this Store holds a lineage's lease (from acquire to release), every write it
  // makes to that lineage — commit_issuance, record_failure, record_renewal_info, save_order,
  // delete_order, upsert_lineage, update_settings, set_status, set_renew_at — first checks,
  // inside its own transaction, that the lease's owner and token are still ours. When another
  // renewer has taken it over (this one was paused or cut off past its expiry) the write fails
  // with Errc::FencedOut naming both holders and changes nothing; a FencedOut event records
  // the refusal. A lease merely expired and not taken over still fences nothing out.
  using LeaseAbandoned = std::function<bool(std::string_view owner)>;
  virtual Result<std::optional<LeaseGrant>> acquire_lease(const std::string& name, const std::string& owner,
                                                          SystemTime now, std::chrono::seconds ttl,
                                                          const LeaseAbandoned& abandoned = {}) = 0;
  // acquire_lease, as a yes or no.
  Result<bool> try_acquire_lease(const std::string& name, const std::string& owner, SystemTime now,
                                 std::chrono::seconds ttl, const LeaseAbandoned& abandoned = {});
  // The heartbeat: moves the expiry of a lease still held by `owner` with `token` to now + ttl.
  // False when it is not (expired and taken over, or released): the holder has lost it.
  virtual Result<bool> extend_lease(const std::string& name, const std::string& owner, std::int64_t token,
                                    SystemTime now, std::chrono::seconds ttl) = 0;
  // The lease row of `name` (owner empty when released), or nullopt when it was never taken.
  virtual Result<std::optional<LeaseGrant>> lease_of(const std::string& name) = 0;
  // Releases the owner's lease (the token is kept for the next holder) and stops fencing.
  virtual Result<void> release_lease(const std::string& name, const std::string& owner) = 0;

  // The change feed: every write that changes what a terminator serves — a committed
  // certificate (issued, renewed, imported, placeholder), a lineage created, given other names
  // or settings, revoked or removed, a challenge answer presented or withdrawn — appends a
  // change in its own transaction, whose id (the cursor) grows with every commit; on
  // PostgreSQL the same transaction NOTIFYs (change_signal). Changes older than a day are
  // pruned by prune_changes.
  // The changes with an id above `cursor`, oldest first, at most `limit`; resync_needed when
  // rows after the cursor were pruned already (read everything again).
  virtual Result<ChangeBatch> changes_since(std::int64_t cursor, std::size_t limit = 1000) = 0;
  // The newest change's id (0 when there is none): where a follower starts after a full read.
  virtual Result<std::int64_t> latest_change() = 0;
  // Deletes the changes recorded before `before`, keeping the newest; the number deleted.
  virtual Result<std::int64_t> prune_changes(SystemTime before) = 0;

  // Shared challenge answers (a fleet: whichever node the CA asks answers). save_challenge
  // inserts or replaces (kind, identifier, token) and records a Challenge change; so does
  // remove_challenge (no row: nothing). find_challenge: the answer pending for that key now
  // (not expired).
  virtual Result<void> save_challenge(const ChallengeRecord& challenge) = 0;
  virtual Result<void> remove_challenge(ChallengeKind kind, const std::string& identifier,
                                        const std::string& token) = 0;
  virtual Result<std::optional<ChallengeRecord>> find_challenge(ChallengeKind kind, const std::string& identifier,
                                                                const std::string& token, SystemTime now) = 0;
  // Every pending answer of `kind` (not expired), for a node loading them after a change.
  virtual Result<std::vector<ChallengeRecord>> pending_challenges(ChallengeKind kind, SystemTime now) = 0;
  // Removes answers whose expiry passed or whose owner `abandoned` says is gone (a node that
  // crashed between presenting and cleaning up); the records removed, so DNS-01 records can
  // be deleted from their zone too.
  virtual Result<std::vector<ChallengeRecord>> sweep_challenges(SystemTime now,
                                                                const LeaseAbandoned& abandoned = {}) = 0;
};

}  // namespace certkeep::store
