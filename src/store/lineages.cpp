// SPDX-License-Identifier: Apache-2.0
// SqliteStore: reading lineages, registering them, their settings and status, and removal.
#include <SQLiteCpp/Statement.h>

#include "store/event_rows.hpp"
#include "store/lineage_rows.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_values.hpp"
#include "store/sqlite_store.hpp"

namespace certkeep::store {
namespace {

Error no_lineage(const std::string& name) { return Error(Errc::NotFound, "no lineage named " + name); }

Error bad_transition(const std::string& name, LineageStatus from, LineageStatus to) {
  return Error(Errc::InvalidArgument, "lineage " + name + " cannot go from " + std::string(to_string(from)) +
                                          " to " + std::string(to_string(to)));
}

}  // namespace

Result<std::optional<LineageRecord>> SqliteStore::load_lineage(const std::string& name) {
  StatementLease select = statements_.get(select_lineages("WHERE name = ?1"));
  select->bind(1, name);
  if (!select->executeStep()) return std::nullopt;
  auto lineage = read_lineage(select);
  if (!lineage) return fail(std::move(lineage).error());
  return std::optional<LineageRecord>(std::move(*lineage));
}

Result<std::vector<LineageRecord>> SqliteStore::load_lineages(const std::string& sql,
                                                              std::optional<std::int64_t> parameter) {
  StatementLease select = statements_.get(sql);
  if (parameter) select->bind(1, *parameter);
  std::vector<LineageRecord> lineages;
  while (select->executeStep()) {
    auto lineage = read_lineage(select);
    if (!lineage) return fail(std::move(lineage).error());
    lineages.push_back(std::move(*lineage));
  }
  return lineages;
}

Result<std::optional<LineageRecord>> SqliteStore::find_lineage(const std::string& name) {
  return read("find lineage " + name, [&] { return load_lineage(name); });
}

Result<std::vector<LineageRecord>> SqliteStore::list_lineages() {
  return read("list lineages", [&] { return load_lineages(select_lineages("ORDER BY name"), std::nullopt); });
}

Result<std::vector<LineageRecord>> SqliteStore::list_lineage_summaries() {
  return read("list lineages",
              [&] { return load_lineages(select_lineage_summaries("ORDER BY name"), std::nullopt); });
}

Result<std::vector<LineageRecord>> SqliteStore::imported_lineages() {
  // certificates_imported (a partial index) keeps this cheap in a store of ACME lineages.
  return read("list imported lineages", [&] {
    return load_lineages(select_lineage_summaries("WHERE issuer_kind = 'imported' ORDER BY name"),
                         std::nullopt);
  });
}

Result<std::vector<LineageRecord>> SqliteStore::due_lineages(SystemTime now) {
  return read("due lineages", [&] { return load_lineages(due_lineages_sql(), unix_seconds(now)); });
}

Result<std::optional<SystemTime>> SqliteStore::next_due_time() {
  return read("next due time", [&]() -> Result<std::optional<SystemTime>> {
    // MIN over an indexed column reads one index entry; likewise on the partial index.
    auto due = read_optional_time(db_->execAndGet("SELECT MIN(due_at) FROM certificates"));
    auto ari = read_optional_time(
        db_->execAndGet("SELECT MIN(ari_check_at) FROM certificates WHERE ari_check_at IS NOT NULL "
                        "AND serial <> '' AND status NOT IN ('revoked','imported')"));
    if (!due || (ari && *ari < *due)) return ari;
    return due;
  });
}

Result<std::vector<LineageRecord>> SqliteStore::ari_check_due(SystemTime now) {
  return read("renewal info checks due",
              [&] { return load_lineages(ari_check_due_sql(), unix_seconds(now)); });
}

Result<std::vector<LineageRecord>> SqliteStore::deploy_pending_lineages() {
  return read("deploy-pending lineages", [&] { return load_lineages(deploy_pending_sql(), std::nullopt); });
}

Result<void> SqliteStore::upsert_lineage(const LineageRecord& lineage) {
  if (lineage.name.empty()) return fail(Errc::InvalidArgument, "a lineage needs a name");
  if (auto checked = check_identifiers(lineage.identifiers); !checked)
    return fail(std::move(checked).error().with_context("lineage " + lineage.name));
  return write("save lineage " + lineage.name, [&]() -> Result<void> {
    StatementLease current = statements_.get("SELECT status FROM certificates WHERE name = ?1");
    current->bind(1, lineage.name);
    if (!current->executeStep()) {
      StatementLease insert = statements_.get(std::string(kInsertLineageSql));
      if (auto bound = bind_lineage_insert(insert, lineage); !bound) return bound;
      insert->exec();
      return {};
    }
    const auto from =
        parse_lineage_status(current->getColumn(0).getString()).value_or(LineageStatus::Pending);
    if (!can_transition(from, lineage.status))
      return fail(bad_transition(lineage.name, from, lineage.status));
    // The certificate columns are left alone: they change only through commit_issuance.
    constexpr int kNameParameter = 5 + kSettingsColumnCount;
    StatementLease update = statements_.get(
        "UPDATE certificates SET identifiers = ?1, account_id = ?2, status = ?3, updated_at = ?4, (" +
        std::string(kSettingsColumns) + ") = (" + placeholders(5, kSettingsColumnCount) + ") WHERE name = ?" +
        std::to_string(kNameParameter));
    update->bind(1, join_identifiers(lineage.identifiers));
    if (lineage.account_id != 0)
      update->bind(2, static_cast<std::int64_t>(lineage.account_id));
    else
      update->bind(2);
    update->bind(3, std::string(to_string(lineage.status)));
    bind_time(update, 4, store_now());
    bind_settings(update, 5, lineage.settings);
    update->bind(kNameParameter, lineage.name);
    update->exec();
    return {};
  });
}

Result<void> SqliteStore::set_status(const std::string& name, LineageStatus status) {
  return write("set status of " + name, [&]() -> Result<void> {
    StatementLease current = statements_.get("SELECT status FROM certificates WHERE name = ?1");
    current->bind(1, name);
    if (!current->executeStep()) return fail(no_lineage(name));
    const auto from =
        parse_lineage_status(current->getColumn(0).getString()).value_or(LineageStatus::Pending);
    if (!can_transition(from, status)) return fail(bad_transition(name, from, status));
    StatementLease update =
        statements_.get("UPDATE certificates SET status = ?1, updated_at = ?2 WHERE name = ?3");
    update->bind(1, std::string(to_string(status)));
    bind_time(update, 2, store_now());
    update->bind(3, name);
    update->exec();
    return {};
  });
}

Result<void> SqliteStore::update_settings(const std::string& name, const LineageSettings& settings) {
  return write("update settings of " + name, [&]() -> Result<void> {
    constexpr int kUpdatedAt = 1 + kSettingsColumnCount;
    StatementLease update =
        statements_.get("UPDATE certificates SET (" + std::string(kSettingsColumns) + ") = (" +
                        placeholders(1, kSettingsColumnCount) + "), updated_at = ?" +
                        std::to_string(kUpdatedAt) + " WHERE name = ?" + std::to_string(kUpdatedAt + 1));
    bind_settings(update, 1, settings);
    bind_time(update, kUpdatedAt, store_now());
    update->bind(kUpdatedAt + 1, name);
    if (update->exec() == 0) return fail(no_lineage(name));
    return {};
  });
}

Result<void> SqliteStore::insert_lineages_bulk(const std::vector<LineageRecord>& lineages) {
  return write("insert lineages", [&]() -> Result<void> {
    // One prepared statement for every row: parsing the INSERT once is most of the speedup.
    StatementLease insert = statements_.get(std::string(kInsertLineageSql));
    for (const LineageRecord& lineage : lineages) {
      if (auto bound = bind_lineage_insert(insert, lineage); !bound)
        return fail(std::move(bound).error().with_context("lineage " + lineage.name));
      insert->exec();
      insert->reset();
      insert->clearBindings();
    }
    return {};
  });
}

Result<void> SqliteStore::remove_lineage(const std::string& name) {
  return write("remove lineage " + name, [&]() -> Result<void> {
    StatementLease serial = statements_.get("SELECT serial FROM certificates WHERE name = ?1");
    serial->bind(1, name);
    if (!serial->executeStep()) return fail(no_lineage(name));
    EventRecord removed{
        0, name, HistoryKind::Removed, serial->getColumn(0).getString(), "lineage removed", store_now()};
    serial->reset();
    // The order goes with it (ON DELETE CASCADE); events have no foreign key and stay.
    StatementLease remove = statements_.get("DELETE FROM certificates WHERE name = ?1");
    remove->bind(1, name);
    remove->exec();
    insert_event(statements_, removed);
    return {};
  });
}

}  // namespace certkeep::store
