// SPDX-License-Identifier: Apache-2.0
// JsonWriter: builds compact JSON text for output (CLI --json, request payloads). Strings are
// escaped completely; structure is the caller's job (begin/end must pair).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace certkeep::core {

// A JSON string literal, quotes included, with every control character escaped.
std::string json_quote(std::string_view text);

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& null();
  JsonWriter& value(const std::vector<std::string>& items);
  // key(name).value(v) in one call.
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& str() const noexcept { return out_; }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

}  // namespace certkeep::core
