// SPDX-License-Identifier: Apache-2.0
#include "store/event_rows.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include <SQLiteCpp/Statement.h>

#include "store/lineage_state.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

void insert_event(StatementCache& statements, const EventRecord& event) {
  StatementLease insert =
      statements.get("INSERT INTO events (lineage, kind, serial, detail, at) VALUES (?1, ?2, ?3, ?4, ?5)");
  insert->bind(1, event.lineage);
  insert->bind(2, std::string(to_string(event.kind)));
  insert->bind(3, event.serial);
  insert->bind(4, event.detail);
  bind_time(insert, 5, event.at == core::SystemTime{} ? store_now() : event.at);
  insert->exec();
}

Result<std::vector<EventRecord>> read_events(StatementCache& statements, const std::string& lineage,
                                             std::size_t limit) {
  // Newest `limit` by id (insertion order; times may tie or come from a fake clock), then
  // turned back to oldest first.
  StatementLease select = statements.get(
      "SELECT id, lineage, kind, serial, detail, at FROM "
      "(SELECT * FROM events WHERE lineage = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id");
  select->bind(1, lineage);
  const auto capped =
      std::min<std::size_t>(limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()));
  select->bind(2, static_cast<std::int64_t>(capped));
  std::vector<EventRecord> events;
  while (select->executeStep()) {
    EventRecord event;
    event.id = select->getColumn(0).getInt64();
    event.lineage = select->getColumn(1).getString();
    const std::string kind = select->getColumn(2).getString();
    auto parsed = parse_history_kind(kind);
    if (!parsed)
      return fail(Errc::Store, "event " + std::to_string(event.id) + " has unknown kind \"" + kind + "\"");
    event.kind = *parsed;
    event.serial = select->getColumn(3).getString();
    event.detail = select->getColumn(4).getString();
    event.at = read_time(select->getColumn(5));
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace certkeep::store
