// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/request_checks.hpp"

#include <algorithm>

#include "challenge/listen_address.hpp"
#include "core/ip_address.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "deploy/haproxy_runtime.hpp"
#include "lifecycle/confirmation.hpp"

namespace certkeep::lifecycle {

namespace {
constexpr std::size_t kMaxNames = 100;  // Let's Encrypt's limit per certificate
}

Result<std::vector<std::string>> normalize_names(const std::vector<std::string>& names) {
  if (names.empty()) return fail(Errc::InvalidArgument, "no names to issue a certificate for");
  std::vector<std::string> normalized;
  for (const std::string& name : names) {
    // RFC 8738: a literal IPv4/IPv6 address is an "ip" identifier, kept in its canonical text so
    // the order, the CSR, the certificate and the store spell it the same way.
    if (auto address = core::parse_ip_address(name)) {
      if (std::find(normalized.begin(), normalized.end(), address->text) == normalized.end())
        normalized.push_back(std::move(address->text));
      continue;
    }
    std::string lower = core::to_lower(name);
    // A wildcard is one "*" label in front (RFC 8555 §7.1.3); whether the lineage can prove it
    // (DNS-01) is challenge_plan.hpp's question.
    if (!core::is_valid_dns_name(lower, true))
      return fail(Errc::InvalidArgument,
                  "invalid DNS name or IP address \"" + core::sanitize_for_terminal(name, 80) + "\"");
    if (std::find(normalized.begin(), normalized.end(), lower) == normalized.end())
      normalized.push_back(std::move(lower));
  }
  if (normalized.size() > kMaxNames)
    return fail(Errc::InvalidArgument, "at most " + std::to_string(kMaxNames) + " names per certificate");
  return normalized;
}

Result<std::string> choose_lineage_name(std::string_view requested, const std::vector<std::string>& names) {
  std::string lineage(requested);
  if (lineage.empty() && !names.empty()) {
    // certbot's rule: "*.example.com" alone makes the lineage "example.com".
    lineage = names.front().starts_with("*.") ? names.front().substr(2) : names.front();
    // An IPv6 address names its lineage with '_' for ':' ("2001:db8::1" → "2001_db8__1").
    if (core::is_ip_address(lineage)) std::replace(lineage.begin(), lineage.end(), ':', '_');
  }
  if (!core::is_valid_lineage_name(lineage))
    return fail(Errc::InvalidArgument, "invalid lineage name \"" + core::sanitize_for_terminal(lineage, 80) +
                                           "\" (use a-z, 0-9, '.', '_', '-')");
  return lineage;
}

Result<std::filesystem::path> check_ca_bundle(const std::filesystem::path& bundle, std::string_view option) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(bundle, ec);
  if (ec || !std::filesystem::is_regular_file(absolute, ec))
    return fail(Errc::InvalidArgument, std::string(option) + " " + bundle.string() + ": not a readable file");
  return absolute;
}

Result<std::vector<std::string>> check_confirm_targets(const std::vector<std::string>& targets) {
  std::vector<std::string> out;
  for (const std::string& text : targets) {
    if (text.empty()) continue;
    out.push_back(CERTKEEP_TRY(parse_confirm_target(text)).to_string());
  }
  return out;
}

Result<std::string> check_listen_address(std::string_view text, std::string_view option) {
  auto address = challenge::parse_listen_address(text);
  if (!address) return fail(Errc::InvalidArgument, std::string(option) + ": " + address.error().message());
  return address->to_string();
}

Result<std::vector<std::string>> check_haproxy_targets(const std::vector<std::string>& targets) {
  std::vector<std::string> out;
  for (const std::string& text : targets) {
    if (text.empty()) continue;
    out.push_back(CERTKEEP_TRY(deploy::parse_haproxy_target(text)).to_string());
  }
  return out;
}

}  // namespace certkeep::lifecycle
