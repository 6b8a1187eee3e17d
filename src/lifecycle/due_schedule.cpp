// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/due_schedule.hpp"

namespace certkeep::lifecycle {

std::optional<core::SystemTime> next_work_time(const store::LineageRecord& lineage) {
  if (lineage.status == store::LineageStatus::Revoked || lineage.status == store::LineageStatus::Imported ||
      lineage.settings.issuer_kind == store::IssuerKind::Imported)
    return std::nullopt;
  // The store's due_at column (schema v2): COALESCE(next_attempt_at, renew_at, created_at).
  core::SystemTime due = lineage.next_attempt_at ? *lineage.next_attempt_at
                         : lineage.renew_at      ? *lineage.renew_at
                                                 : lineage.created_at;
  if (lineage.ari_check_at && !lineage.serial.empty() && *lineage.ari_check_at < due) due = *lineage.ari_check_at;
  return due;
}

void DueSchedule::set(const std::string& lineage, std::optional<core::SystemTime> at) {
  if (auto old = by_lineage_.find(lineage); old != by_lineage_.end()) {
    queue_.erase({old->second, lineage});
    if (!at) {
      by_lineage_.erase(old);
      return;
    }
    old->second = *at;
  } else if (!at) {
    return;
  } else {
    by_lineage_.emplace(lineage, *at);
  }
  queue_.emplace(*at, lineage);
}

std::optional<core::SystemTime> DueSchedule::earliest() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first;
}

std::vector<std::string> DueSchedule::due_by(core::SystemTime now) const {
  std::vector<std::string> due;
  for (auto it = queue_.begin(); it != queue_.end() && it->first <= now; ++it) due.push_back(it->second);
  return due;
}

}  // namespace certkeep::lifecycle
