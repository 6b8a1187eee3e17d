// SPDX-License-Identifier: Apache-2.0
// SqlStore: reading lineages, registering them, their settings and status, and removal.
#include "core/result_macros.hpp"
#include "store/event_rows.hpp"
#include "store/lineage_rows.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {
namespace {

Error bad_transition(const std::string& name, LineageStatus from, LineageStatus to) {
  return Error(Errc::InvalidArgument, "lineage " + name + " cannot go from " + std::string(to_string(from)) +
                                          " to " + std::string(to_string(to)));
}

// The lineage's status, or nullopt when there is no such lineage.
Result<std::optional<LineageStatus>> current_status(sql::StatementCache& statements,
                                                    const std::string& name) {
  StatementLease current = CERTKEEP_TRY(statements.get("SELECT status FROM certificates WHERE name = ?1"));
  current->bind_text(1, name);
  if (!CERTKEEP_TRY(current->step())) return std::nullopt;
  return parse_lineage_status(current->text(0)).value_or(LineageStatus::Pending);
}

}  // namespace

Result<std::optional<LineageRecord>> SqlStore::load_lineage(const std::string& name) {
  StatementLease select = CERTKEEP_TRY(statements_.get(select_lineages("WHERE name = ?1")));
  select->bind_text(1, name);
  if (!CERTKEEP_TRY(select->step())) return std::nullopt;
  auto lineage = read_lineage(*select);
  if (!lineage) return fail(std::move(lineage).error());
  return std::optional<LineageRecord>(std::move(*lineage));
}

Result<std::vector<LineageRecord>> SqlStore::load_lineages(const std::string& sql,
                                                           std::optional<std::int64_t> parameter) {
  StatementLease select = CERTKEEP_TRY(statements_.get(sql));
  if (parameter) select->bind_int64(1, *parameter);
  std::vector<LineageRecord> lineages;
  while (CERTKEEP_TRY(select->step())) {
    auto lineage = read_lineage(*select);
    if (!lineage) return fail(std::move(lineage).error());
    lineages.push_back(std::move(*lineage));
  }
  return lineages;
}

Result<std::optional<LineageRecord>> SqlStore::find_lineage(const std::string& name) {
  return read("find lineage " + name, [&] { return load_lineage(name); });
}

Result<std::vector<LineageRecord>> SqlStore::list_lineages() {
  return read("list lineages", [&] { return load_lineages(select_lineages("ORDER BY name"), std::nullopt); });
}

Result<std::vector<LineageRecord>> SqlStore::list_lineage_summaries() {
  return read("list lineages",
              [&] { return load_lineages(select_lineage_summaries("ORDER BY name"), std::nullopt); });
}

Result<std::vector<LineageRecord>> SqlStore::imported_lineages() {
  // certificates_imported (a partial index) keeps this cheap in a store of ACME lineages.
  return read("list imported lineages", [&] {
    return load_lineages(select_lineage_summaries("WHERE issuer_kind = 'imported' ORDER BY name"),
                         std::nullopt);
  });
}

Result<std::vector<LineageRecord>> SqlStore::due_lineages(SystemTime now) {
  return read("due lineages", [&] { return load_lineages(due_lineages_sql(), unix_seconds(now)); });
}

Result<std::optional<SystemTime>> SqlStore::next_due_time() {
  return read("next due time", [&]() -> Result<std::optional<SystemTime>> {
    // MIN over an indexed column reads one index entry; likewise on the partial index.
    std::optional<SystemTime> due;
    std::optional<SystemTime> ari;
    {
      StatementLease select = CERTKEEP_TRY(statements_.get("SELECT MIN(due_at) FROM certificates"));
      if (CERTKEEP_TRY(select->step())) due = read_optional_time(*select, 0);
    }
    {
      StatementLease select = CERTKEEP_TRY(
          statements_.get("SELECT MIN(ari_check_at) FROM certificates WHERE ari_check_at IS NOT NULL "
                          "AND serial <> '' AND status NOT IN ('revoked','imported')"));
      if (CERTKEEP_TRY(select->step())) ari = read_optional_time(*select, 0);
    }
    if (!due || (ari && *ari < *due)) return ari;
    return due;
  });
}

Result<std::vector<LineageRecord>> SqlStore::ari_check_due(SystemTime now) {
  return read("renewal info checks due",
              [&] { return load_lineages(ari_check_due_sql(), unix_seconds(now)); });
}

Result<std::vector<LineageRecord>> SqlStore::deploy_pending_lineages() {
  return read("deploy-pending lineages", [&] { return load_lineages(deploy_pending_sql(), std::nullopt); });
}

Result<void> SqlStore::upsert_lineage(const LineageRecord& lineage) {
  if (lineage.name.empty()) return fail(Errc::InvalidArgument, "a lineage needs a name");
  if (auto checked = check_identifiers(lineage.identifiers); !checked)
    return fail(std::move(checked).error().with_context("lineage " + lineage.name));
  if (auto checked = check_issuers(lineage.settings.fallback_issuers); !checked)
    return fail(std::move(checked).error().with_context("lineage " + lineage.name));
  return write_fenced(lineage.name, "save lineage " + lineage.name, [&]() -> Result<void> {
    const auto from = CERTKEEP_TRY(current_status(statements_, lineage.name));
    if (!from) {
      StatementLease insert = CERTKEEP_TRY(statements_.get(kInsertLineageSql));
      CERTKEEP_TRY(bind_lineage_insert(*insert, lineage));
      CERTKEEP_TRY(insert->execute());
      CERTKEEP_TRY(sync_servable(lineage.name));
      return record_change(ChangeKind::Lineage, lineage.name);
    }
    if (!can_transition(*from, lineage.status))
      return fail(bad_transition(lineage.name, *from, lineage.status));
    // The certificate columns are left alone: they change only through commit_issuance.
    constexpr int kNameParameter = 5 + kSettingsColumnCount;
    StatementLease update = CERTKEEP_TRY(statements_.get(
        "UPDATE certificates SET identifiers = ?1, account_id = ?2, status = ?3, updated_at = ?4, (" +
        std::string(kSettingsColumns) + ") = (" + placeholders(5, kSettingsColumnCount) + ") WHERE name = ?" +
        std::to_string(kNameParameter)));
    update->bind_text(1, join_identifiers(lineage.identifiers));
    if (lineage.account_id != 0)
      update->bind_int64(2, lineage.account_id);
    else
      update->bind_null(2);
    update->bind_text(3, to_string(lineage.status));
    bind_time(*update, 4, store_now());
    bind_settings(*update, 5, lineage.settings);
    update->bind_text(kNameParameter, lineage.name);
    CERTKEEP_TRY(update->execute());
    CERTKEEP_TRY(sync_servable(lineage.name));  // its names may have changed
    return record_change(ChangeKind::Lineage, lineage.name);
  });
}

Result<void> SqlStore::set_status(const std::string& name, LineageStatus status) {
  return write_fenced(name, "set status of " + name, [&]() -> Result<void> {
    const auto from = CERTKEEP_TRY(current_status(statements_, name));
    if (!from) return fail(no_lineage(name));
    if (!can_transition(*from, status)) return fail(bad_transition(name, *from, status));
    StatementLease update =
        CERTKEEP_TRY(statements_.get("UPDATE certificates SET status = ?1, updated_at = ?2 WHERE name = ?3"));
    update->bind_text(1, to_string(status));
    bind_time(*update, 2, store_now());
    update->bind_text(3, name);
    CERTKEEP_TRY(update->execute());
    CERTKEEP_TRY(sync_servable(name));  // revoked: served no more
    return record_change(ChangeKind::Lineage, name);
  });
}

Result<void> SqlStore::update_settings(const std::string& name, const LineageSettings& settings) {
  if (auto checked = check_issuers(settings.fallback_issuers); !checked)
    return fail(std::move(checked).error().with_context("lineage " + name));
  return write_fenced(name, "update settings of " + name, [&]() -> Result<void> {
    constexpr int kUpdatedAt = 1 + kSettingsColumnCount;
    StatementLease update = CERTKEEP_TRY(
        statements_.get("UPDATE certificates SET (" + std::string(kSettingsColumns) + ") = (" +
                        placeholders(1, kSettingsColumnCount) + "), updated_at = ?" +
                        std::to_string(kUpdatedAt) + " WHERE name = ?" + std::to_string(kUpdatedAt + 1)));
    bind_settings(*update, 1, settings);
    bind_time(*update, kUpdatedAt, store_now());
    update->bind_text(kUpdatedAt + 1, name);
    if (CERTKEEP_TRY(update->execute()) == 0) return fail(no_lineage(name));
    return record_change(ChangeKind::Lineage, name);
  });
}

Result<void> SqlStore::insert_lineages_bulk(const std::vector<LineageRecord>& lineages) {
  return write("insert lineages", [&]() -> Result<void> {
    // One prepared statement for every row: parsing the INSERT once is most of the speedup.
    StatementLease insert = CERTKEEP_TRY(statements_.get(kInsertLineageSql));
    for (const LineageRecord& lineage : lineages) {
      if (auto bound = bind_lineage_insert(*insert, lineage); !bound)
        return fail(std::move(bound).error().with_context("lineage " + lineage.name));
      CERTKEEP_TRY(insert->execute());
      insert->reset();
      CERTKEEP_TRY(sync_servable(lineage.name));
      CERTKEEP_TRY(record_change(ChangeKind::Lineage, lineage.name));
    }
    return {};
  });
}

Result<void> SqlStore::remove_lineage(const std::string& name) {
  return write("remove lineage " + name, [&]() -> Result<void> {
    EventRecord removed{0, name, HistoryKind::Removed, "", "lineage removed", store_now()};
    {
      StatementLease serial =
          CERTKEEP_TRY(statements_.get("SELECT serial FROM certificates WHERE name = ?1"));
      serial->bind_text(1, name);
      if (!CERTKEEP_TRY(serial->step())) return fail(no_lineage(name));
      removed.serial = serial->text(0);
    }
    // The order goes with it (ON DELETE CASCADE); events have no foreign key and stay.
    StatementLease remove = CERTKEEP_TRY(statements_.get("DELETE FROM certificates WHERE name = ?1"));
    remove->bind_text(1, name);
    CERTKEEP_TRY(remove->execute());
    CERTKEEP_TRY(sync_servable(name));
    CERTKEEP_TRY(record_change(ChangeKind::LineageRemoved, name));
    return insert_event(statements_, removed);
  });
}

}  // namespace certkeep::store
