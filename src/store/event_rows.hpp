// SPDX-License-Identifier: Apache-2.0
// The `events` table: appending one (inside whatever transaction the caller holds) and reading
// a lineage's history back.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "sql/statement_cache.hpp"
#include "store/records.hpp"

namespace certkeep::store {

// Inserts `event`; an event without a time is stamped now.
Result<void> insert_event(sql::StatementCache& statements, const EventRecord& event);

// The newest `limit` events of `lineage`, oldest first. Errc::Store on an unknown kind.
Result<std::vector<EventRecord>> read_events(sql::StatementCache& statements, const std::string& lineage,
                                             std::size_t limit);

}  // namespace certkeep::store
