// SPDX-License-Identifier: Apache-2.0
// DueSchedule: when each lineage a Manager manages next needs its renewal thread, kept in
// memory from the records the Manager reads anyway (at manage(), after a renewal, on a change),
// so the thread's sleep costs no store query and no walk over every lineage. The store stays
// the authority: each pass still asks it which lineages are due; this only says when to wake.
// Not thread-safe: the Manager guards it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// When `lineage` next needs work, as the store's due_at says (its backoff after a failure, else
// its planned renewal, else its creation), or its next renewalInfo poll if that comes first;
// nullopt for a lineage never renewed (revoked, imported).
std::optional<core::SystemTime> next_work_time(const store::LineageRecord& lineage);

class DueSchedule {
 public:
  // Sets (or, with nullopt, clears) the lineage's time.
  void set(const std::string& lineage, std::optional<core::SystemTime> at);
  std::optional<core::SystemTime> earliest() const;
  // The lineages whose time is at or before `now`, earliest first.
  std::vector<std::string> due_by(core::SystemTime now) const;
  std::size_t size() const noexcept { return by_lineage_.size(); }

 private:
  std::unordered_map<std::string, core::SystemTime> by_lineage_;
  std::set<std::pair<core::SystemTime, std::string>> queue_;
};

}  // namespace certkeep::lifecycle
