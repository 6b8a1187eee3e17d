// SPDX-License-Identifier: Apache-2.0
#include "acme/renewal_info.hpp"

#include <algorithm>

#include "acme/json.hpp"
#include "core/result_macros.hpp"
#include "core/time_format.hpp"

namespace certkeep::acme {

namespace {

constexpr std::string_view kRenewalInfoObject = "renewalInfo";
constexpr std::chrono::seconds kMinRetry{3600};
constexpr std::chrono::seconds kMaxRetry{86400};

}  // namespace

Result<RenewalInfo> parse_renewal_info(std::string_view body) {
  rapidjson::Document document = CERTKEEP_TRY(parse_json_object(body, kRenewalInfoObject));
  const rapidjson::Value* window = optional_member(document, "suggestedWindow");
  if (window == nullptr || !window->IsObject())
    return fail(Errc::Protocol, "malformed response from CA: renewalInfo: missing \"suggestedWindow\"");
  RenewalInfo info;
  auto start = core::parse_rfc3339(CERTKEEP_TRY(required_string(*window, "start", kRenewalInfoObject)));
  auto end = core::parse_rfc3339(CERTKEEP_TRY(required_string(*window, "end", kRenewalInfoObject)));
  if (!start || !end)
    return fail(Errc::Protocol, "malformed response from CA: renewalInfo: window times are not RFC 3339");
  if (*end < *start)
    return fail(Errc::Protocol, "malformed response from CA: renewalInfo: window ends before it starts");
  info.window_start = *start;
  info.window_end = *end;
  info.explanation_url = optional_string(document, "explanationURL").value_or("");
  return info;
}

Result<RenewalInfo> fetch_renewal_info(Client& client, std::string_view cert_id) {
  const std::string& base = client.directory().renewal_info;
  if (base.empty()) return fail(Errc::NotFound, "the CA offers no renewalInfo");
  std::string url = base + (base.ends_with("/") ? "" : "/") + std::string(cert_id);
  auto response = client.get(url);
  if (!response) return fail(std::move(response).error().with_context("renewal info"));
  RenewalInfo info = CERTKEEP_TRY(parse_renewal_info(response->body));
  if (response->retry_after) info.retry_after = std::clamp(*response->retry_after, kMinRetry, kMaxRetry);
  return info;
}

}  // namespace certkeep::acme
