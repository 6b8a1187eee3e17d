// SPDX-License-Identifier: Apache-2.0
// ACME Renewal Information (RFC 9773): the CA's suggested renewal window for a certificate.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "acme/client.hpp"
#include "certkeep/result.hpp"
#include "core/clock.hpp"

namespace certkeep::acme {

struct RenewalInfo {
  core::SystemTime window_start;
  core::SystemTime window_end;
  std::string explanation_url;
  // When to ask again (Retry-After, clamped to [1 h, 1 day]; 6 h when absent, RFC 9773 §4.3).
  std::chrono::seconds retry_after{6 * 3600};
};

// Errc::Protocol when the window is missing, unparseable or ends before it starts.
Result<RenewalInfo> parse_renewal_info(std::string_view body);

// GET <renewalInfo>/<cert_id>. Errc::NotFound when the directory has no renewalInfo.
Result<RenewalInfo> fetch_renewal_info(Client& client, std::string_view cert_id);

}  // namespace certkeep::acme
