// SPDX-License-Identifier: Apache-2.0
// ACME identifiers: DNS names (RFC 8555 §9.7.7) and IP addresses (RFC 8738). certkeep carries
// an identifier as its text; a literal IPv4/IPv6 address in canonical form is an "ip" one.
#pragma once

#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "certkeep/result.hpp"

namespace certkeep::acme {

enum class IdentifierType { Dns, Ip };
std::string_view to_string(IdentifierType type) noexcept;

// Ip for a literal IPv4 or IPv6 address, Dns for anything else.
IdentifierType identifier_type_of(std::string_view value) noexcept;

// {"type":"dns"|"ip","value":…} for `value`.
std::string identifier_json(std::string_view value);

// The value of an identifier object from the CA: a "dns" value as sent, an "ip" value in its
// canonical text (so "2001:DB8::1" compares equal to what certkeep asked for). Errc::Protocol
// naming `what` for another type, a missing field, or an "ip" value that is no address.
Result<std::string> parse_identifier(const rapidjson::Value& identifier, std::string_view what);

}  // namespace certkeep::acme
