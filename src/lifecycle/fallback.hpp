// SPDX-License-Identifier: Apache-2.0
// Fallback issuers (certmagic's ordered issuers): a lineage may name more issuers to try when
// its own fails. The next one is tried when the failure is not worth retrying at the same CA (a
// refusal, a malformed answer, a setting the CA does not take), or when the CA has failed
// transiently (unreachable, 5xx) for longer than the lineage's fallback_after. A rate limit
// (rateLimited, 429) never falls over: it is the CA asking to wait, and the retry goes to the
// same CA at its Retry-After. Each fall-over is an event naming both issuers; the certificate
// records which issuer made it. The next renewal starts again with the lineage's own issuer.
#pragma once

#include <chrono>
#include <optional>

#include "certkeep/result.hpp"
#include "lifecycle/account_service.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// Whether `error` from an issuer that has been failing since `failing_since` (nullopt: this is
// the first failure) sends the order to the next issuer.
bool should_fall_over(const Error& error, std::optional<core::SystemTime> failing_since,
                      std::chrono::seconds fallback_after, core::SystemTime now);

// The lineage's issuer, then its fallbacks as should_fall_over says. The error of the last
// issuer tried when none succeeds (its context names it).
Result<store::IssuedCertificate> obtain_with_fallback(Services& services, const store::LineageRecord& lineage,
                                                      const AccountOptions& account);

}  // namespace certkeep::lifecycle
