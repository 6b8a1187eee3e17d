// SPDX-License-Identifier: Apache-2.0
#include "store/event_rows.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/result_macros.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

Result<void> insert_event(sql::StatementCache& statements, const EventRecord& event) {
  sql::StatementLease insert = CERTKEEP_TRY(
      statements.get("INSERT INTO events (lineage, kind, serial, detail, at) VALUES (?1, ?2, ?3, ?4, ?5)"));
  insert->bind_text(1, event.lineage);
  insert->bind_text(2, to_string(event.kind));
  insert->bind_text(3, event.serial);
  insert->bind_text(4, event.detail);
  bind_time(*insert, 5, event.at == core::SystemTime{} ? store_now() : event.at);
  CERTKEEP_TRY(insert->execute());
  return {};
}

Result<std::vector<EventRecord>> read_events(sql::StatementCache& statements, const std::string& lineage,
                                             std::size_t limit) {
  // Newest `limit` by id (insertion order; times may tie or come from a fake clock), then
  // turned back to oldest first.
  sql::StatementLease select = CERTKEEP_TRY(statements.get(
      "SELECT id, lineage, kind, serial, detail, at FROM "
      "(SELECT * FROM events WHERE lineage = ?1 ORDER BY id DESC LIMIT ?2) AS newest ORDER BY id"));
  select->bind_text(1, lineage);
  const auto capped =
      std::min<std::size_t>(limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()));
  select->bind_int64(2, static_cast<std::int64_t>(capped));
  std::vector<EventRecord> events;
  while (CERTKEEP_TRY(select->step())) {
    EventRecord event;
    event.id = select->int64(0);
    event.lineage = select->text(1);
    const std::string kind = select->text(2);
    auto parsed = parse_history_kind(kind);
    if (!parsed)
      return fail(Errc::Store, "event " + std::to_string(event.id) + " has unknown kind \"" + kind + "\"");
    event.kind = *parsed;
    event.serial = select->text(3);
    event.detail = select->text(4);
    event.at = read_time(*select, 5);
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace certkeep::store
