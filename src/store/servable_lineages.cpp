// SPDX-License-Identifier: Apache-2.0
// SqlStore: servable_lineages (schema v5), the narrow copy of each servable lineage's names,
// serial and expiry that a terminator serving every lineage reads in one pass, and its upkeep
// inside the writes that change them.
#include <vector>

#include "core/result_macros.hpp"
#include "store/lineage_rows.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

Result<void> SqlStore::sync_servable(const std::string& name) {
  // Servable: a certificate (serial) and not revoked, as the v5 backfill says.
  {
    StatementLease drop = CERTKEEP_TRY(statements_.get(
        "DELETE FROM servable_lineages WHERE name = ?1 AND NOT EXISTS (SELECT 1 FROM certificates "
        "WHERE name = ?1 AND serial <> '' AND status <> 'revoked')"));
    drop->bind_text(1, name);
    CERTKEEP_TRY(drop->execute());
  }
  StatementLease keep = CERTKEEP_TRY(statements_.get(
      "INSERT INTO servable_lineages (name, identifiers, serial, not_after) "
      "SELECT name, identifiers, serial, not_after FROM certificates "
      "WHERE name = ?1 AND serial <> '' AND status <> 'revoked' "
      "ON CONFLICT (name) DO UPDATE SET identifiers = excluded.identifiers, serial = excluded.serial, "
      "not_after = excluded.not_after"));
  keep->bind_text(1, name);
  CERTKEEP_TRY(keep->execute());
  return {};
}

Result<void> SqlStore::for_each_servable_lineage(const ServableVisitor& visit, std::size_t page_rows) {
  if (page_rows == 0) page_rows = 1;
  std::int64_t after = 0;  // the last id of the previous page: each page starts where it ended
  std::vector<ServableLineageRecord> page;
  for (;;) {
    // A page is read whole before anyone sees it, so a read retried after a reconnect
    // (read()) starts the page again and never shows a row twice.
    std::int64_t last = after;
    CERTKEEP_TRY(read("list servable lineages", [&]() -> Result<void> {
      page.clear();
      last = after;
      StatementLease select = CERTKEEP_TRY(statements_.get(
          "SELECT id, name, identifiers, serial, not_after FROM servable_lineages WHERE id > ?1 "
          "ORDER BY id LIMIT ?2"));
      select->bind_int64(1, after);
      select->bind_int64(2, static_cast<std::int64_t>(page_rows));
      while (CERTKEEP_TRY(select->step())) {
        last = select->int64(0);
        page.push_back(ServableLineageRecord{.name = select->text(1),
                                             .identifiers = split_identifiers(select->text(2)),
                                             .serial = select->text(3),
                                             .not_after = read_optional_time(*select, 4)});
      }
      return {};
    }));
    after = last;
    for (const ServableLineageRecord& lineage : page) visit(lineage);
    if (page.size() < page_rows) return {};
  }
}

}  // namespace certkeep::store
