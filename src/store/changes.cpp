// SPDX-License-Identifier: Apache-2.0
// SqlStore: the change feed. Each write that changes what a terminator serves appends a row
// in its own transaction; a follower reads the rows after its cursor. The ids commit in order
// because every write holds the store's one write lock, so a cursor never skips a change that
// commits later with a smaller id.
#include "core/result_macros.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

Result<void> SqlStore::record_change(ChangeKind kind, const std::string& subject) {
  StatementLease insert =
      CERTKEEP_TRY(statements_.get("INSERT INTO changes (kind, subject, at) VALUES (?1, ?2, ?3)"));
  insert->bind_text(1, to_string(kind));
  insert->bind_text(2, subject);
  bind_time(*insert, 3, store_now());
  CERTKEEP_TRY(insert->execute());
  return connection_->announce_change();
}

Result<ChangeBatch> SqlStore::changes_since(std::int64_t cursor, std::size_t limit) {
  return read("read changes", [&]() -> Result<ChangeBatch> {
    ChangeBatch batch;
    {
      // Pruned past the cursor: the oldest kept row is newer than the cursor's successor and
      // the cursor is not the start. (A rolled-back write leaves a gap in the ids too; that
      // only costs a reader a full read it did not need.)
      StatementLease oldest = CERTKEEP_TRY(statements_.get("SELECT MIN(id) FROM changes"));
      if (CERTKEEP_TRY(oldest->step()) && !oldest->is_null(0) && cursor > 0 && oldest->int64(0) > cursor + 1)
        batch.resync_needed = true;
    }
    StatementLease select = CERTKEEP_TRY(
        statements_.get("SELECT id, kind, subject, at FROM changes WHERE id > ?1 ORDER BY id LIMIT ?2"));
    select->bind_int64(1, cursor);
    select->bind_int64(2, static_cast<std::int64_t>(limit));
    while (CERTKEEP_TRY(select->step())) {
      auto kind = parse_change_kind(select->text(1));
      if (!kind)
        return fail(Errc::Store, "change " + std::to_string(select->int64(0)) + " has an unknown kind '" +
                                     select->text(1) + "'");
      batch.changes.push_back(ChangeRecord{select->int64(0), *kind, select->text(2), read_time(*select, 3)});
    }
    return batch;
  });
}

Result<std::int64_t> SqlStore::latest_change() {
  return read("read the change cursor", [&]() -> Result<std::int64_t> {
    StatementLease select = CERTKEEP_TRY(statements_.get("SELECT COALESCE(MAX(id), 0) FROM changes"));
    CERTKEEP_TRY(select->step());
    return select->int64(0);
  });
}

Result<std::int64_t> SqlStore::prune_changes(SystemTime before) {
  return write(
      "prune changes",
      [&]() -> Result<std::int64_t> {
        // The newest row stays, so the cursor of a store whose changes are all old still says
        // where the feed is.
        StatementLease prune = CERTKEEP_TRY(statements_.get(
            "DELETE FROM changes WHERE at < ?1 AND id < (SELECT MAX(id) FROM changes)"));
        bind_time(*prune, 1, before);
        return prune->execute();
      },
      Commit::Unsynced);
}

}  // namespace certkeep::store
