// SPDX-License-Identifier: Apache-2.0
// JSON for the ACME engine: bounded parsing of hostile CA bodies into RapidJSON documents,
// typed field access with errors that name the field, and escaping for request payloads.
// RapidJSON is used inside acme/ only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "certkeep/result.hpp"
#include "core/json_writer.hpp"

namespace certkeep::acme {

inline constexpr int kMaxJsonDepth = 32;

// Parses a CA body. Refuses (Errc::Protocol "malformed response from CA: <what>: …") bodies
// nested deeper than kMaxJsonDepth (checked before RapidJSON sees them, since its recursive
// parser can exhaust the stack), invalid UTF-8, and a root that is not an object.
Result<rapidjson::Document> parse_json_object(std::string_view body, std::string_view what);

// Field readers: Errc::Protocol naming `what` and the field when missing or of the wrong type.
Result<std::string> required_string(const rapidjson::Value& object, const char* field, std::string_view what);
std::optional<std::string> optional_string(const rapidjson::Value& object, const char* field);
Result<std::vector<std::string>> required_string_array(const rapidjson::Value& object, const char* field,
                                                       std::string_view what, std::size_t max_items);
const rapidjson::Value* optional_member(const rapidjson::Value& object, const char* field);

using core::json_quote;
// ["a","b"]
std::string json_string_array(const std::vector<std::string>& items);

}  // namespace certkeep::acme
