// SPDX-License-Identifier: Apache-2.0
// SqliteStore: the Store on one SQLiteCpp connection. Its methods are spread over files by
// concern (accounts.cpp, lineages.cpp, lineage_updates.cpp, orders.cpp, events.cpp,
// leases.cpp); the row mapping lives in *_rows.cpp, the schema in schema.cpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include "store/database_file.hpp"
#include "store/sqlite_guard.hpp"
#include "store/statement_cache.hpp"
#include "store/store.hpp"

namespace certkeep::store {

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SQLite::Database> db, int schema_version)
      : db_(std::move(db)), schema_version_(schema_version), statements_(*db_) {}

  int schema_version() const override { return schema_version_; }

  Result<std::optional<AccountRecord>> find_account(const std::string& directory_url) override;
  Result<AccountRecord> get_account(std::int64_t id) override;
  Result<AccountRecord> save_account(AccountRecord account) override;

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
  Result<void> remove_lineage(const std::string& name) override;

  Result<void> set_renew_at(const std::string& name, SystemTime at) override;
  Result<std::vector<std::string>> private_ca_names() override;
  Result<std::vector<PrivateCaRecord>> private_ca_generations(const std::string& name) override;
  Result<PrivateCaRecord> add_private_ca(PrivateCaRecord ca) override;
  Result<PrivateCaRecord> activate_next_private_ca(const std::string& name) override;

  Result<void> save_order(const OrderRecord& order) override;
  Result<std::optional<OrderRecord>> find_order(const std::string& lineage) override;
  Result<void> delete_order(const std::string& lineage) override;

  Result<void> append_event(const EventRecord& event) override;
  Result<std::vector<EventRecord>> events(const std::string& lineage, std::size_t limit) override;

  Result<bool> try_acquire_lease(const std::string& name, const std::string& owner, SystemTime now,
                                 std::chrono::seconds ttl, const LeaseAbandoned& abandoned) override;
  Result<void> release_lease(const std::string& name, const std::string& owner) override;

 private:
  // Whether a write's commit waits for the disk. Synced: fdatasync of the WAL at COMMIT.
  // Unsynced (see UnsyncedCommits): for bookkeeping whose loss in a power cut the next run
  // redoes by itself (leases, order progress, the deployment record); a renewal makes four
  // such commits and one synced commit_issuance, and each fdatasync saved was 2 % of a bulk
  // renewal's CPU.
  enum class Commit { Synced, Unsynced };

  // Runs `body` in one BEGIN IMMEDIATE transaction, committed only when body succeeds.
  // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes
  // can fail with SQLITE_BUSY without waiting when another connection committed in between,
  // while an immediate one waits out the busy timeout like any other writer.
  template <class Body>
  auto write(std::string_view what, Body&& body, Commit commit = Commit::Synced)
      -> std::invoke_result_t<Body> {
    return guarded(what, [&]() -> std::invoke_result_t<Body> {
      std::optional<UnsyncedCommits> unsynced;  // outlives the transaction below
      if (commit == Commit::Unsynced) unsynced.emplace(*db_);
      SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      auto result = body();
      if (result) transaction.commit();
      return result;
    });
  }

  // Runs a read-only body (one statement, or several in a read transaction).
  template <class Body>
  auto read(std::string_view what, Body&& body) -> std::invoke_result_t<Body> {
    return guarded(what, std::forward<Body>(body));
  }

  // The lineage row, or nullopt; usable inside a transaction. Throws SQLite::Exception.
  Result<std::optional<LineageRecord>> load_lineage(const std::string& name);
  Result<std::vector<LineageRecord>> load_lineages(const std::string& sql,
                                                   std::optional<std::int64_t> parameter);
  // Every generation of a private CA, newest first; usable inside a transaction.
  Result<std::vector<PrivateCaRecord>> load_private_ca(const std::string& name);

  std::unique_ptr<SQLite::Database> db_;
  int schema_version_;
  StatementCache statements_;  // after db_: its statements are finalized before the database closes
};

}  // namespace certkeep::store
