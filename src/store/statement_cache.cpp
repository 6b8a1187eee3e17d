// SPDX-License-Identifier: Apache-2.0
#include "store/statement_cache.hpp"

namespace certkeep::store {

StatementLease::~StatementLease() {
  // tryReset: a failed last step was already reported by the call that made it.
  statement_->tryReset();
  try {
    statement_->clearBindings();
  } catch (const SQLite::Exception&) {
    // sqlite3_clear_bindings always succeeds; nothing to report.
  }
  if (in_use_ != nullptr) *in_use_ = false;
}

StatementLease StatementCache::get(std::string_view sql) {
  auto found = entries_.find(std::string(sql));
  if (found == entries_.end()) {
    auto statement = std::make_unique<SQLite::Statement>(db_, std::string(sql));
    found = entries_.emplace(std::string(sql), Entry{std::move(statement), false}).first;
  }
  Entry& entry = found->second;
  if (entry.in_use) {
    auto own = std::make_unique<SQLite::Statement>(db_, std::string(sql));
    SQLite::Statement* raw = own.get();
    return StatementLease(raw, nullptr, std::move(own));
  }
  entry.in_use = true;
  return StatementLease(entry.statement.get(), &entry.in_use, nullptr);
}

}  // namespace certkeep::store
