// SPDX-License-Identifier: Apache-2.0
// Which status changes a lineage may make, and the text each stored enum is written as.
// (to_string and the other parse_* functions are declared in records.hpp.)
#pragma once

#include <optional>
#include <string_view>

#include "store/records.hpp"

namespace certkeep::store {

// True when a lineage in status `from` may move to `to`. Staying put is always allowed.
//   pending   → valid, failed, imported (nothing to revoke yet)
//   valid     → anything but pending (it has a certificate to keep)
//   failed    → anything
//   revoked   → pending, valid (re-issued), failed (re-issue failed), imported
//   imported  → valid (taken over by ACME), revoked
bool can_transition(LineageStatus from, LineageStatus to) noexcept;

std::optional<HistoryKind> parse_history_kind(std::string_view text) noexcept;
std::optional<ChangeKind> parse_change_kind(std::string_view text) noexcept;
std::optional<ChallengeKind> parse_challenge_kind(std::string_view text) noexcept;

}  // namespace certkeep::store
