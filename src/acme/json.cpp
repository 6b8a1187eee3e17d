// SPDX-License-Identifier: Apache-2.0
#include "acme/json.hpp"

#include <rapidjson/error/en.h>

namespace certkeep::acme {

namespace {

Error malformed(std::string_view what, std::string_view why) {
  return Error(Errc::Protocol, "malformed response from CA: " + std::string(what) + ": " + std::string(why));
}

// Nesting depth outside string literals. RapidJSON 1.1.0 recurses per level even with
// kParseIterativeFlag in some paths (#1027), so deep input is refused before parsing.
bool nesting_exceeds(std::string_view body, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Result<rapidjson::Document> parse_json_object(std::string_view body, std::string_view what) {
  if (nesting_exceeds(body, kMaxJsonDepth))
    return tl::unexpected(malformed(what, "JSON nested deeper than " + std::to_string(kMaxJsonDepth)));
  rapidjson::Document document;
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  document.Parse<kFlags>(body.data(), body.size());
  if (document.HasParseError()) {
    return tl::unexpected(malformed(what, std::string("invalid JSON at offset ") +
                                              std::to_string(document.GetErrorOffset()) + ": " +
                                              rapidjson::GetParseError_En(document.GetParseError())));
  }
  if (!document.IsObject()) return tl::unexpected(malformed(what, "expected a JSON object"));
  return document;
}

const rapidjson::Value* optional_member(const rapidjson::Value& object, const char* field) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(field);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

Result<std::string> required_string(const rapidjson::Value& object, const char* field,
                                    std::string_view what) {
  const rapidjson::Value* value = optional_member(object, field);
  if (value == nullptr) return tl::unexpected(malformed(what, std::string("missing \"") + field + "\""));
  if (!value->IsString())
    return tl::unexpected(malformed(what, std::string("\"") + field + "\" is not a string"));
  return std::string(value->GetString(), value->GetStringLength());
}

std::optional<std::string> optional_string(const rapidjson::Value& object, const char* field) {
  const rapidjson::Value* value = optional_member(object, field);
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return std::string(value->GetString(), value->GetStringLength());
}

Result<std::vector<std::string>> required_string_array(const rapidjson::Value& object, const char* field,
                                                       std::string_view what, std::size_t max_items) {
  const rapidjson::Value* value = optional_member(object, field);
  if (value == nullptr) return tl::unexpected(malformed(what, std::string("missing \"") + field + "\""));
  if (!value->IsArray())
    return tl::unexpected(malformed(what, std::string("\"") + field + "\" is not an array"));
  if (value->Size() > max_items)
    return tl::unexpected(malformed(
        what, std::string("\"") + field + "\" has more than " + std::to_string(max_items) + " entries"));
  std::vector<std::string> items;
  items.reserve(value->Size());
  for (const auto& item : value->GetArray()) {
    if (!item.IsString())
      return tl::unexpected(malformed(what, std::string("\"") + field + "\" holds a non-string"));
    items.emplace_back(item.GetString(), item.GetStringLength());
  }
  return items;
}

std::string json_string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += json_quote(items[i]);
  }
  return out + "]";
}

}  // namespace certkeep::acme
