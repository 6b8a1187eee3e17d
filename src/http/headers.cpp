// SPDX-License-Identifier: Apache-2.0
#include <strings.h>

#include "http/transport.hpp"

namespace certkeep::http {

namespace {

bool same_name(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

void Headers::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [key, value] : entries_)
    if (same_name(key, name)) return std::string_view(value);
  return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : entries_)
    if (same_name(key, name)) values.emplace_back(value);
  return values;
}

}  // namespace certkeep::http
