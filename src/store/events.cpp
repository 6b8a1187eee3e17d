// SPDX-License-Identifier: Apache-2.0
// SqliteStore: the append-only history.
#include "store/event_rows.hpp"
#include "store/sqlite_store.hpp"

namespace certkeep::store {

Result<void> SqliteStore::append_event(const EventRecord& event) {
  if (event.lineage.empty()) return fail(Errc::InvalidArgument, "append event: no lineage");
  return write("append event of " + event.lineage, [&]() -> Result<void> {
    insert_event(statements_, event);
    return {};
  });
}

Result<std::vector<EventRecord>> SqliteStore::events(const std::string& lineage, std::size_t limit) {
  return read("events of " + lineage, [&] { return read_events(statements_, lineage, limit); });
}

}  // namespace certkeep::store
