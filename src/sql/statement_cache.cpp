// SPDX-License-Identifier: Apache-2.0
#include "sql/statement_cache.hpp"

#include <utility>

namespace certkeep::sql {

StatementLease::StatementLease(StatementLease&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      own_(std::move(other.own_)) {}

StatementLease::~StatementLease() {
  if (statement_ == nullptr) return;  // moved from
  statement_->reset();
  if (in_use_ != nullptr) *in_use_ = false;
}

Result<StatementLease> StatementCache::get(std::string_view sql) {
  auto found = entries_.find(std::string(sql));
  if (found == entries_.end()) {
    auto statement = connection_.prepare(sql);
    if (!statement) return fail(std::move(statement).error());
    found = entries_.emplace(std::string(sql), Entry{std::move(*statement), false}).first;
  }
  Entry& entry = found->second;
  if (entry.in_use) {
    auto own = connection_.prepare(sql);
    if (!own) return fail(std::move(own).error());
    Statement* raw = own->get();
    return StatementLease(raw, nullptr, std::move(*own));
  }
  entry.in_use = true;
  return StatementLease(entry.statement.get(), &entry.in_use, nullptr);
}

}  // namespace certkeep::sql
