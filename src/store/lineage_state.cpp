// SPDX-License-Identifier: Apache-2.0
#include "store/lineage_state.hpp"

#include <array>
#include <utility>

namespace certkeep::store {
namespace {

using enum LineageStatus;

constexpr std::array<std::pair<LineageStatus, std::string_view>, 7> kStatusNames{{
    {Pending, "pending"},
    {Valid, "valid"},
    {Renewing, "renewing"},
    {Failed, "failed"},
    {Revoked, "revoked"},
    {Expired, "expired"},
    {Imported, "imported"},
}};

constexpr std::array<std::pair<EventKind, std::string_view>, 11> kEventNames{{
    {EventKind::Issued, "issued"},
    {EventKind::Renewed, "renewed"},
    {EventKind::Failed, "failed"},
    {EventKind::Deployed, "deployed"},
    {EventKind::DeployFailed, "deploy_failed"},
    {EventKind::HookSucceeded, "hook_succeeded"},
    {EventKind::HookFailed, "hook_failed"},
    {EventKind::Revoked, "revoked"},
    {EventKind::Removed, "removed"},
    {EventKind::Imported, "imported"},
    {EventKind::AccountRegistered, "account_registered"},
}};

}  // namespace

std::string_view to_string(LineageStatus status) noexcept {
  for (const auto& [value, name] : kStatusNames)
    if (value == status) return name;
  return "pending";
}

std::optional<LineageStatus> parse_lineage_status(std::string_view text) noexcept {
  for (const auto& [value, name] : kStatusNames)
    if (name == text) return value;
  return std::nullopt;
}

std::string_view to_string(EventKind kind) noexcept {
  for (const auto& [value, name] : kEventNames)
    if (value == kind) return name;
  return "failed";
}

std::optional<EventKind> parse_event_kind(std::string_view text) noexcept {
  for (const auto& [value, name] : kEventNames)
    if (name == text) return value;
  return std::nullopt;
}

bool can_transition(LineageStatus from, LineageStatus to) noexcept {
  if (from == to) return true;
  switch (from) {
    case Pending: return to == Valid || to == Renewing || to == Failed || to == Imported;
    case Valid: return to != Pending;
    case Renewing: return to == Valid || to == Failed || to == Revoked || to == Expired;
    case Failed: return true;
    case Revoked: return to == Pending || to == Valid || to == Failed || to == Imported;
    case Expired: return true;
    case Imported: return to == Valid || to == Revoked || to == Expired;
  }
  return false;
}

}  // namespace certkeep::store
