// SPDX-License-Identifier: Apache-2.0
// When a certificate is due: the CA's ARI window when there is one, otherwise when a third of
// its lifetime remains (half for short-lived certificates), moved earlier by a jitter that is
// stable per lineage so that certificates issued together do not renew together.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "core/clock.hpp"

namespace certkeep::lifecycle {

using core::SystemTime;

struct RenewalWindow {
  SystemTime start;
  SystemTime end;
};

// A number in [0, 1) derived from the lineage name: the same name always gets the same point.
double stable_fraction(std::string_view lineage, std::string_view salt = "");

// Certificates living less than this renew at half their lifetime (Let's Encrypt guidance).
inline constexpr std::chrono::hours kShortLived{10 * 24};

// The time a certificate valid [not_before, not_after] becomes due.
// - With an ARI window: a stable point inside it; if the window has ended, `now`.
// - Without: not_after - lifetime/3 (or lifetime/2 when short-lived), minus a stable jitter of
//   up to lifetime/30 (3 days for a 90-day certificate).
// - Either way, never later than the emergency point (1/20 of the lifetime left, certmagic),
//   so a far-off ARI window cannot let a certificate expire.
SystemTime compute_renew_at(std::string_view lineage, SystemTime not_before, SystemTime not_after,
                            const std::optional<RenewalWindow>& ari_window, SystemTime now);

}  // namespace certkeep::lifecycle
