// SPDX-License-Identifier: Apache-2.0
// Parsers for the HTTP headers ACME relies on: Retry-After (RFC 9110 §10.2.3) and Link
// (RFC 8288). Input comes from the CA and is treated as hostile: bounded, never throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certkeep::http {

// Delay-seconds or an IMF-fixdate, relative to `now`. Dates in the past give 0 s.
// nullopt for anything unparseable. Values are clamped to [0, 1 day]; the caller decides the floor.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

struct Link {
  std::string url;
  std::string rel;  // lowercased
};

// Every `<url>; rel="x"` in one or more Link header values (comma-separated), at most
// `max_links`. Malformed entries are skipped.
std::vector<Link> parse_link_headers(const std::vector<std::string_view>& values, std::size_t max_links = 16);

}  // namespace certkeep::http
