// SPDX-License-Identifier: Apache-2.0
// SqlStore: the append-only history.
#include "store/event_rows.hpp"
#include "store/sql_store.hpp"

namespace certkeep::store {

Result<void> SqlStore::append_event(const EventRecord& event) {
  if (event.lineage.empty()) return fail(Errc::InvalidArgument, "append event: no lineage");
  return write("append event of " + event.lineage, [&] { return insert_event(statements_, event); });
}

Result<std::vector<EventRecord>> SqlStore::events(const std::string& lineage, std::size_t limit) {
  return read("events of " + lineage, [&] { return read_events(statements_, lineage, limit); });
}

}  // namespace certkeep::store
