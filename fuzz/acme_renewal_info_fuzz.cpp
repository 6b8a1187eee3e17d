// SPDX-License-Identifier: Apache-2.0
// ARI renewalInfo bodies (RFC 9773 §4.2): parse_renewal_info. The window drives when
// certkeep renews, so a parsed window must be sane and must mean what the text says.
#include <cstdint>

#include "acme/renewal_info.hpp"
#include "core/time_format.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  if (fuzz::skip_unrepresentable_years(fuzz::as_text(data, size))) return 0;
  auto info = acme::parse_renewal_info(body);
  if (!info) {
    FUZZ_CHECK(info.error().code() == Errc::Protocol, "a bad renewalInfo is Errc::Protocol");
    FUZZ_CHECK_BUG("raw-ca-text", fuzz::terminal_safe(info.error().to_string()),
                   "the error the CLI prints escapes the CA's control characters");
    return 0;
  }
  FUZZ_CHECK(info->window_start <= info->window_end, "the window does not end before it starts");
  // Only Retry-After sets this; the body alone leaves RFC 9773's default.
  FUZZ_CHECK(info->retry_after == std::chrono::seconds(6 * 3600), "the body does not set retry_after");
  // Whole seconds survive a format/parse round trip (the store keeps Unix seconds). A UTC
  // offset can move a time just outside 1970..9999; time_format_fuzz covers those edges.
  constexpr long long kYear10000 = 253402300800;
  for (core::SystemTime time : {info->window_start, info->window_end}) {
    if (core::to_unix(time) < 0 || core::to_unix(time) >= kYear10000) continue;
    const core::SystemTime whole = core::from_unix(core::to_unix(time));
    auto back = core::parse_rfc3339(core::format_rfc3339(whole));
    FUZZ_CHECK(back && *back == whole, "window times round-trip through RFC 3339");
  }
  return 0;
}
