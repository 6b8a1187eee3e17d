// SPDX-License-Identifier: Apache-2.0
// RFC 3339 timestamps (ACME "expires", ARI windows) to and from system_clock, without
// std::chrono::parse (not in GCC 12).
#pragma once

#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "core/clock.hpp"

namespace certkeep::core {

// "2025-01-02T04:05:06Z", "…06.123456789Z", "…06+02:00". Errc::InvalidArgument otherwise.
// Years outside 1970..9999 are refused.
Result<SystemTime> parse_rfc3339(std::string_view text);
// UTC, seconds precision: "2025-01-02T04:05:06Z".
std::string format_rfc3339(SystemTime time);

}  // namespace certkeep::core
