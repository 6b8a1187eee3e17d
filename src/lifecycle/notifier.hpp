// SPDX-License-Identifier: Apache-2.0
// Notifications: the operator's `--notify-hook` command, run when a renewal failed, when a
// certificate enters its last 7 days (once per certificate), and when a server was found
// serving a stale certificate after a deploy. It gets the deploy hook's CERTKEEP_* variables
// plus CERTKEEP_EVENT and CERTKEEP_REASON. A failing or hanging notify hook is logged and
// counted, never a reason to fail the renewal it reports on.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

enum class NotifyEvent { RenewalFailed, Expiring, Stale };
// "renewal_failed", "expiring", "stale": the value of CERTKEEP_EVENT.
std::string_view to_string(NotifyEvent event) noexcept;

// A certificate has entered its last days when fewer than this are left.
inline constexpr std::chrono::hours kExpiringNotice{7 * 24};

// Runs services.notify_hook (when set) for `lineage`; `reason` is one line (CERTKEEP_REASON).
// Returns whether the hook ran and succeeded (false when none is set, or it failed).
bool notify(Services& services, const store::LineageRecord& lineage, NotifyEvent event,
            std::string_view reason);

// Runs the notify hook once for each certificate with fewer than kExpiringNotice left (only
// `only`'s when set, only those `include` admits when it is set): once per serial — a success is
// remembered in the store, a failure tried again by the next pass. Nothing happens without a
// notify hook. Errc::Store.
Result<void> notify_expiring(Services& services, core::SystemTime now,
                             const std::optional<std::string>& only = std::nullopt,
                             const std::function<bool(const std::string&)>& include = {});

}  // namespace certkeep::lifecycle
