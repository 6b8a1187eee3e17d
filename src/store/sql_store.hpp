// SPDX-License-Identifier: Apache-2.0
// SqlStore: the Store on one connection of the SQL seam, whatever its engine (SQLite or
// PostgreSQL): the SQL of every method is written once. Its methods are spread over files by
// concern (accounts.cpp, lineages.cpp, lineage_updates.cpp, orders.cpp, events.cpp,
// leases.cpp, private_cas.cpp); the row mapping lives in *_rows.cpp, the schema in schema.cpp.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "sql/connection.hpp"
#include "sql/statement_cache.hpp"
#include "store/store.hpp"

namespace certkeep::store {

using sql::StatementLease;

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<sql::Connection> connection, int schema_version)
      : connection_(std::move(connection)), schema_version_(schema_version), statements_(*connection_) {}

  int schema_version() const override { return schema_version_; }

  Result<std::optional<AccountRecord>> find_account(const std::string& directory_url) override;
  Result<AccountRecord> get_account(std::int64_t id) override;
  Result<AccountRecord> save_account(AccountRecord account) override;
  Result<std::vector<AccountRecord>> list_accounts() override;
  Result<std::optional<AccountRecord>> find_account_by_name(const std::string& name) override;
  Result<std::vector<std::string>> lineages_using_account(std::int64_t id) override;
  Result<std::vector<std::string>> record_account_deactivated(std::int64_t id,
                                                              const std::string& detail) override;

  Result<std::optional<LineageRecord>> find_lineage(const std::string& name) override;
  Result<void> upsert_lineage(const LineageRecord& lineage) override;
  Result<std::vector<LineageRecord>> list_lineages() override;
  Result<std::vector<LineageRecord>> list_lineage_summaries() override;
  Result<std::vector<LineageRecord>> imported_lineages() override;
  Result<std::vector<LineageRecord>> due_lineages(SystemTime now) override;
  Result<std::optional<SystemTime>> next_due_time() override;
  Result<std::vector<LineageRecord>> ari_check_due(SystemTime now) override;
  Result<void> record_renewal_info(const std::string& name, const std::string& serial,
                                   std::optional<SystemTime> renew_at, SystemTime next_check) override;
  Result<void> set_status(const std::string& name, LineageStatus status) override;
  Result<std::vector<LineageRecord>> deploy_pending_lineages() override;
  Result<void> insert_lineages_bulk(const std::vector<LineageRecord>& lineages) override;
  Result<void> for_each_servable_lineage(const ServableVisitor& visit, std::size_t page_rows) override;

  Result<void> commit_issuance(const std::string& name, const IssuedCertificate& cert,
                               HistoryKind kind) override;
  Result<void> record_failure(const std::string& name, const std::string& error_text,
                              const std::string& detail, SystemTime next_attempt_at) override;
  Result<void> record_deployed(const std::string& name, const std::string& serial) override;
  Result<void> record_deploy_failure(const std::string& name, const std::string& serial,
                                     const std::string& error_text) override;
  Result<void> record_hook_result(const std::string& name, const std::string& serial, bool succeeded,
                                  const std::string& detail) override;
  Result<void> update_settings(const std::string& name, const LineageSettings& settings) override;
  Result<void> record_confirmation(const std::string& name, const std::string& serial, ConfirmationState state,
                                   const std::string& detail) override;
  Result<std::vector<LineageRecord>> expiry_notice_due(SystemTime before) override;
  Result<void> mark_expiry_notified(const std::string& name, const std::string& serial) override;
  Result<void> remove_lineage(const std::string& name) override;

  Result<void> set_renew_at(const std::string& name, SystemTime at) override;
  Result<std::vector<std::string>> private_ca_names() override;
  Result<std::vector<PrivateCaRecord>> private_ca_generations(const std::string& name) override;
  Result<PrivateCaRecord> add_private_ca(PrivateCaRecord ca) override;
  Result<PrivateCaRecord> activate_next_private_ca(const std::string& name) override;

  Result<void> save_order(const OrderRecord& order) override;
  Result<std::optional<OrderRecord>> find_order(const std::string& lineage) override;
  Result<void> delete_order(const std::string& lineage) override;

  Result<void> add_dns_records(const std::vector<DnsRecordRow>& records) override;
  Result<void> remove_dns_records(const std::string& lineage, const std::vector<DnsRecordKey>& records) override;
  Result<std::vector<DnsRecordRow>> dns_records(const std::string& lineage) override;
  Result<std::vector<std::string>> lineages_with_dns_records() override;

  Result<void> append_event(const EventRecord& event) override;
  Result<std::vector<EventRecord>> events(const std::string& lineage, std::size_t limit) override;

  Result<std::optional<LeaseGrant>> acquire_lease(const std::string& name, const std::string& owner,
                                                  SystemTime now, std::chrono::seconds ttl,
                                                  const LeaseAbandoned& abandoned) override;
  Result<bool> extend_lease(const std::string& name, const std::string& owner, std::int64_t token,
                            SystemTime now, std::chrono::seconds ttl) override;
  Result<std::optional<LeaseGrant>> lease_of(const std::string& name) override;
  Result<void> release_lease(const std::string& name, const std::string& owner) override;

  Result<ChangeBatch> changes_since(std::int64_t cursor, std::size_t limit) override;
  Result<std::int64_t> latest_change() override;
  Result<std::int64_t> prune_changes(SystemTime before) override;

  Result<void> save_challenge(const ChallengeRecord& challenge) override;
  Result<void> remove_challenge(ChallengeKind kind, const std::string& identifier,
                                const std::string& token) override;
  Result<std::optional<ChallengeRecord>> find_challenge(ChallengeKind kind, const std::string& identifier,
                                                        const std::string& token, SystemTime now) override;
  Result<std::vector<ChallengeRecord>> pending_challenges(ChallengeKind kind, SystemTime now) override;
  Result<std::vector<ChallengeRecord>> sweep_challenges(SystemTime now, const LeaseAbandoned& abandoned) override;

 private:
  // Whether a write's commit waits for the disk. Synced: the commit is durable when it returns.
  // Unsynced: for bookkeeping whose loss in a power cut the next run redoes by itself (leases,
  // order progress, the deployment record); a renewal makes four such commits and one synced
  // commit_issuance, and each fdatasync saved was 2 % of a bulk renewal's CPU (SQLite).
  using Commit = sql::Durability;

  // Runs `body` in one write transaction (the store's write lock, taken up front: see
  // sql::Connection::begin_write), committed only when body succeeds. The engine's errors get
  // `what` as context.
  template <class Body>
  auto write(std::string_view what, Body&& body, Commit commit = Commit::Synced)
      -> std::invoke_result_t<Body> {
    if (auto begun = connection_->begin_write(commit); !begun)
      return fail(in_context(what, std::move(begun).error()));
    auto result = body();
    if (!result) {
      connection_->rollback();
      return fail(in_context(what, std::move(result).error()));
    }
    if (auto committed = connection_->commit(); !committed) {
      connection_->rollback();
      return fail(in_context(what, std::move(committed).error()));
    }
    return result;
  }

  // write() for a write to lineage `name` that a renewal makes: inside the transaction, before
  // `body`, the lease this Store holds on `name` (if any) must still be ours (check_fence);
  // when it is not, nothing is written, the refusal is recorded as a FencedOut event, and the
  // caller gets Errc::FencedOut.
  template <class Body>
  auto write_fenced(const std::string& name, std::string_view what, Body&& body, Commit commit = Commit::Synced)
      -> std::invoke_result_t<Body> {
    auto result = write(
        what,
        [&]() -> std::invoke_result_t<Body> {
          if (auto fenced = check_fence(name); !fenced) return fail(std::move(fenced).error());
          return body();
        },
        commit);
    if (!result && result.error().code() == Errc::FencedOut) (void)record_fenced_out(name, result.error());
    return result;
  }

  // Runs a read-only body (one statement, or several that need no common snapshot). A
  // connection the engine lost meanwhile (a PostgreSQL server restart) is opened again and the
  // body runs once more: a read is safe to repeat.
  template <class Body>
  auto read(std::string_view what, Body&& body) -> std::invoke_result_t<Body> {
    auto result = body();
    if (!result && connection_->reconnect_if_lost()) result = body();
    if (!result) return fail(in_context(what, std::move(result).error()));
    return result;
  }

  // The engine's failures (Errc::Store, Errc::Busy) name the operation; the store's own
  // answers (NotFound, InvalidArgument) are already worded for the caller.
  static Error in_context(std::string_view what, Error error) {
    if (error.code() == Errc::Store || error.code() == Errc::Busy) return std::move(error).with_context(what);
    return error;
  }

  // Inside a write transaction: Errc::FencedOut when this Store took the lease on `name` and
  // another owner (or token) holds it now.
  Result<void> check_fence(const std::string& name);
  Result<void> record_fenced_out(const std::string& name, const Error& error);
  // Inside a write transaction: appends a change to the feed and announces it (NOTIFY at
  // commit on PostgreSQL).
  Result<void> record_change(ChangeKind kind, const std::string& subject);

  // The lineage row, or nullopt; usable inside a transaction.
  Result<std::optional<LineageRecord>> load_lineage(const std::string& name);
  Result<std::vector<LineageRecord>> load_lineages(const std::string& sql,
                                                   std::optional<std::int64_t> parameter);
  // Every generation of a private CA, newest first; usable inside a transaction.
  Result<std::vector<PrivateCaRecord>> load_private_ca(const std::string& name);
  // Inside a write: makes servable_lineages agree with the lineage's certificates row (its row
  // there, or none when the lineage is gone, revoked or has no certificate). Every write that
  // changes identifiers, serial, not_after, status or a row's existence calls it.
  Result<void> sync_servable(const std::string& name);

  std::unique_ptr<sql::Connection> connection_;
  int schema_version_;
  sql::StatementCache statements_;  // after connection_: its statements go before the connection closes
  // The leases this Store holds, by lineage: the writes to those lineages are fenced.
  std::map<std::string, LeaseGrant, std::less<>> fences_;
};

}  // namespace certkeep::store
