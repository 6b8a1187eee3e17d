// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/request_checks.hpp"

#include <algorithm>

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
    std::string lower = core::to_lower(name);
    // A wildcard is one "*" label in front (RFC 8555 §7.1.3); whether the lineage can prove it
    // (DNS-01) is challenge_plan.hpp's question.
    if (!core::is_valid_dns_name(lower, true))
      return fail(Errc::InvalidArgument,
                  "invalid DNS name \"" + core::sanitize_for_terminal(name, 80) + "\"");
    if (std::find(normalized.begin(), normalized.end(), lower) == normalized.end())
      normalized.push_back(std::move(lower));
  }
  if (normalized.size() > kMaxNames)
    return fail(Errc::InvalidArgument, "at most " + std::to_string(kMaxNames) + " names per certificate");
  return normalized;
}

Result<std::string> choose_lineage_name(std::string_view requested, const std::vector<std::string>& names) {
  std::string lineage(requested);
  // certbot's rule: "*.example.com" alone makes the lineage "example.com".
  if (lineage.empty() && !names.empty())
    lineage = names.front().starts_with("*.") ? names.front().substr(2) : names.front();
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

Result<std::vector<std::string>> check_haproxy_targets(const std::vector<std::string>& targets) {
  std::vector<std::string> out;
  for (const std::string& text : targets) {
    if (text.empty()) continue;
    out.push_back(CERTKEEP_TRY(deploy::parse_haproxy_target(text)).to_string());
  }
  return out;
}

}  // namespace certkeep::lifecycle
