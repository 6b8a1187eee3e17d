// SPDX-License-Identifier: Apache-2.0
#include "store/lineage_state.hpp"

#include <array>
#include <utility>

namespace certkeep::store {
namespace {

using enum LineageStatus;

// The schema's CHECK also admits 'renewing' and 'expired', which no release ever wrote; a row
// holding one is refused when read (Errc::Store) rather than guessed at.
constexpr std::array<std::pair<LineageStatus, std::string_view>, 5> kStatusNames{{
    {Pending, "pending"},
    {Valid, "valid"},
    {Failed, "failed"},
    {Revoked, "revoked"},
    {Imported, "imported"},
}};

constexpr std::array<std::pair<HistoryKind, std::string_view>, 23> kEventNames{{
    {HistoryKind::Issued, "issued"},
    {HistoryKind::Renewed, "renewed"},
    {HistoryKind::Failed, "failed"},
    {HistoryKind::Deployed, "deployed"},
    {HistoryKind::DeployFailed, "deploy_failed"},
    {HistoryKind::HookSucceeded, "hook_succeeded"},
    {HistoryKind::HookFailed, "hook_failed"},
    {HistoryKind::Revoked, "revoked"},
    {HistoryKind::Removed, "removed"},
    {HistoryKind::Imported, "imported"},
    {HistoryKind::ExpiryWarning, "expiring"},
    {HistoryKind::RootChanged, "root_changed"},
    {HistoryKind::Placeholder, "placeholder"},
    {HistoryKind::Migrated, "migrated"},
    {HistoryKind::DnsHookSucceeded, "dns_hook_succeeded"},
    {HistoryKind::DnsHookFailed, "dns_hook_failed"},
    {HistoryKind::DnsRecordsRemoved, "dns_records_removed"},
    {HistoryKind::AccountDeactivated, "account_deactivated"},
    {HistoryKind::FellBack, "fell_back"},
    {HistoryKind::Confirmed, "confirmed"},
    {HistoryKind::Stale, "stale"},
    {HistoryKind::Notified, "notified"},
    {HistoryKind::FencedOut, "fenced_out"},
}};

constexpr std::array<std::pair<ConfirmationState, std::string_view>, 3> kConfirmationNames{{
    {ConfirmationState::None, "none"},
    {ConfirmationState::Confirmed, "confirmed"},
    {ConfirmationState::Stale, "stale"},
}};

constexpr std::array<std::pair<ChangeKind, std::string_view>, 3> kChangeKindNames{{
    {ChangeKind::Lineage, "lineage"},
    {ChangeKind::LineageRemoved, "lineage_removed"},
    {ChangeKind::Challenge, "challenge"},
}};

constexpr std::array<std::pair<ChallengeKind, std::string_view>, 3> kChallengeKindNames{{
    {ChallengeKind::Http01, "http-01"},
    {ChallengeKind::TlsAlpn01, "tls-alpn-01"},
    {ChallengeKind::Dns01, "dns-01"},
}};

constexpr std::array<std::pair<ChallengeMethod, std::string_view>, 6> kChallengeMethodNames{{
    {ChallengeMethod::Standalone, "standalone"},
    {ChallengeMethod::Webroot, "webroot"},
    {ChallengeMethod::Memory, "memory"},
    {ChallengeMethod::TlsAlpn, "tls-alpn"},
    {ChallengeMethod::TlsAlpnMemory, "tls-alpn-memory"},
    {ChallengeMethod::None, "none"},
}};

constexpr std::array<std::pair<DnsMethod, std::string_view>, 3> kDnsMethodNames{{
    {DnsMethod::None, "none"},
    {DnsMethod::Rfc2136, "rfc2136"},
    {DnsMethod::Hook, "hook"},
}};

constexpr std::array<std::pair<AccountStatus, std::string_view>, 3> kAccountStatusNames{{
    {AccountStatus::Valid, "valid"},
    {AccountStatus::Deactivated, "deactivated"},
    {AccountStatus::Revoked, "revoked"},
}};

constexpr std::array<std::pair<IssuerKind, std::string_view>, 3> kIssuerKindNames{{
    {IssuerKind::Acme, "acme"},
    {IssuerKind::PrivateCa, "private-ca"},
    {IssuerKind::Imported, "imported"},
}};

constexpr std::array<std::pair<CaState, std::string_view>, 3> kCaStateNames{{
    {CaState::Next, "next"},
    {CaState::Active, "active"},
    {CaState::Retired, "retired"},
}};

// The stored text of `value` in `names` (every enumerator is listed, so the fallback is unused).
template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [candidate, name] : names)
    if (candidate == value) return name;
  return names.front().second;
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                             std::string_view text) {
  for (const auto& [value, name] : names)
    if (name == text) return value;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(LineageStatus status) noexcept { return name_of(kStatusNames, status); }

std::optional<LineageStatus> parse_lineage_status(std::string_view text) noexcept {
  return value_of(kStatusNames, text);
}

std::string_view to_string(HistoryKind kind) noexcept { return name_of(kEventNames, kind); }

std::optional<HistoryKind> parse_history_kind(std::string_view text) noexcept {
  return value_of(kEventNames, text);
}

std::string_view to_string(ChallengeMethod method) noexcept { return name_of(kChallengeMethodNames, method); }

std::optional<ChallengeMethod> parse_challenge_method(std::string_view text) noexcept {
  return value_of(kChallengeMethodNames, text);
}

std::string_view to_string(DnsMethod method) noexcept { return name_of(kDnsMethodNames, method); }

std::optional<DnsMethod> parse_dns_method(std::string_view text) noexcept { return value_of(kDnsMethodNames, text); }

std::string_view to_string(AccountStatus status) noexcept { return name_of(kAccountStatusNames, status); }

std::optional<AccountStatus> parse_account_status(std::string_view text) noexcept {
  return value_of(kAccountStatusNames, text);
}

std::string_view to_string(IssuerKind kind) noexcept { return name_of(kIssuerKindNames, kind); }

std::optional<IssuerKind> parse_issuer_kind(std::string_view text) noexcept {
  return value_of(kIssuerKindNames, text);
}

std::string_view to_string(CaState state) noexcept { return name_of(kCaStateNames, state); }

std::optional<CaState> parse_ca_state(std::string_view text) noexcept {
  return value_of(kCaStateNames, text);
}

std::string_view to_string(ConfirmationState state) noexcept { return name_of(kConfirmationNames, state); }

std::optional<ConfirmationState> parse_confirmation_state(std::string_view text) noexcept {
  return value_of(kConfirmationNames, text);
}

std::string_view to_string(ChangeKind kind) noexcept { return name_of(kChangeKindNames, kind); }

std::optional<ChangeKind> parse_change_kind(std::string_view text) noexcept {
  return value_of(kChangeKindNames, text);
}

std::string_view to_string(ChallengeKind kind) noexcept { return name_of(kChallengeKindNames, kind); }

std::optional<ChallengeKind> parse_challenge_kind(std::string_view text) noexcept {
  return value_of(kChallengeKindNames, text);
}

bool can_transition(LineageStatus from, LineageStatus to) noexcept {
  if (from == to) return true;
  switch (from) {
    case Pending: return to == Valid || to == Failed || to == Imported;
    case Valid: return to != Pending;
    case Failed: return true;
    case Revoked: return to == Pending || to == Valid || to == Failed || to == Imported;
    case Imported: return to == Valid || to == Revoked;
  }
  return false;
}

}  // namespace certkeep::store
