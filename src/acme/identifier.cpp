// SPDX-License-Identifier: Apache-2.0
#include "acme/identifier.hpp"

#include "acme/json.hpp"
#include "core/ip_address.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"

namespace certkeep::acme {

std::string_view to_string(IdentifierType type) noexcept { return type == IdentifierType::Ip ? "ip" : "dns"; }

IdentifierType identifier_type_of(std::string_view value) noexcept {
  return core::is_ip_address(value) ? IdentifierType::Ip : IdentifierType::Dns;
}

std::string identifier_json(std::string_view value) {
  return "{\"type\":\"" + std::string(to_string(identifier_type_of(value))) +
         "\",\"value\":" + json_quote(value) + "}";
}

Result<std::string> parse_identifier(const rapidjson::Value& identifier, std::string_view what) {
  const std::string context = std::string(what) + " identifier";
  std::string type = CERTKEEP_TRY(required_string(identifier, "type", context));
  std::string value = CERTKEEP_TRY(required_string(identifier, "value", context));
  if (type == "dns") return value;
  if (type == "ip") {
    // RFC 8738 §3: the textual form; compare in canonical form.
    if (auto address = core::parse_ip_address(value)) return address->text;
    return fail(Errc::Protocol, "malformed response from CA: " + context + ": \"" +
                                    core::sanitize_for_terminal(value, 64) + "\" is not an IP address");
  }
  return fail(Errc::Protocol, "malformed response from CA: " + std::string(what) + ": identifier type \"" +
                                  core::sanitize_for_terminal(type, 16) + "\" was not requested");
}

}  // namespace certkeep::acme
