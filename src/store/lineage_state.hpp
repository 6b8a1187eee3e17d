// SPDX-License-Identifier: Apache-2.0
// Which status changes a lineage may make, and the text each status and event kind is stored as.
// (to_string/parse_lineage_status and to_string(EventKind) are declared in records.hpp.)
#pragma once

#include <optional>
#include <string_view>

#include "store/records.hpp"

namespace certkeep::store {

// True when a lineage in status `from` may move to `to`. Staying put is always allowed.
//   pending   → valid, renewing, failed, imported (nothing to revoke or expire yet)
//   valid     → anything but pending (it has a certificate to keep)
//   renewing  → valid, failed, revoked, expired
//   failed    → pending, valid, renewing, revoked, expired, imported
//   revoked   → pending, valid (re-issued), failed (re-issue failed), imported
//   expired   → pending, valid, renewing, failed, revoked, imported
//   imported  → valid (taken over by ACME), revoked, expired
bool can_transition(LineageStatus from, LineageStatus to) noexcept;

std::optional<EventKind> parse_event_kind(std::string_view text) noexcept;

}  // namespace certkeep::store
