// SPDX-License-Identifier: Apache-2.0
#include "config/toml_document.hpp"

#include <algorithm>

#include <toml++/toml.h>

#include "core/small_file.hpp"

namespace certkeep::config {

namespace {

ValueKind kind_of(const toml::node& node) noexcept {
  switch (node.type()) {
    case toml::node_type::string: return ValueKind::String;
    case toml::node_type::integer: return ValueKind::Integer;
    case toml::node_type::floating_point: return ValueKind::Float;
    case toml::node_type::boolean: return ValueKind::Boolean;
    case toml::node_type::array: return ValueKind::Array;
    case toml::node_type::table: return ValueKind::Table;
    default: return ValueKind::DateTime;
  }
}

std::string scalar_text(const toml::node& node) {
  if (auto text = node.value_exact<std::string>()) return *text;
  if (auto number = node.value_exact<std::int64_t>()) return std::to_string(*number);
  if (auto flag = node.value_exact<bool>()) return *flag ? "true" : "false";
  if (auto real = node.value_exact<double>()) return std::to_string(*real);
  return {};
}

Value value_of(const toml::node& node) {
  Value value;
  value.kind = kind_of(node);
  if (const toml::array* array = node.as_array()) {
    bool first = true;
    for (const toml::node& element : *array) {
      const ValueKind element_kind = kind_of(element);
      if (first) value.element_kind = element_kind;
      if (element_kind != value.element_kind || element_kind == ValueKind::Array ||
          element_kind == ValueKind::Table)
        value.element_kind = ValueKind::Table;
      first = false;
      value.items.push_back(scalar_text(element));
    }
  } else if (value.kind != ValueKind::Table) {
    value.items.push_back(scalar_text(node));
  }
  return value;
}

void collect(const toml::table& table, std::vector<std::string>& path, Document& document) {
  for (auto&& [key, node] : table) {
    Entry entry;
    entry.table = path;
    entry.key = std::string(key.str());
    entry.value = value_of(node);
    entry.line = static_cast<int>(key.source().begin.line);
    entry.column = static_cast<int>(key.source().begin.column);
    if (const toml::table* child = node.as_table(); child != nullptr && !child->is_inline()) {
      // A [table] header: recorded as a table, its keys under its path.
      path.push_back(entry.key);
      document.tables.push_back({path, static_cast<int>(node.source().begin.line)});
      collect(*child, path, document);
      path.pop_back();
      continue;
    }
    document.entries.push_back(std::move(entry));
    if (const toml::table* inline_table = node.as_table()) {
      path.push_back(std::string(key.str()));
      collect(*inline_table, path, document);
      path.pop_back();
    }
  }
}

}  // namespace

std::string_view to_string(ValueKind kind) noexcept {
  switch (kind) {
    case ValueKind::String: return "a string";
    case ValueKind::Integer: return "an integer";
    case ValueKind::Float: return "a float";
    case ValueKind::Boolean: return "a boolean";
    case ValueKind::Array: return "an array";
    case ValueKind::Table: return "a table";
    case ValueKind::DateTime: return "a date-time";
  }
  return "a value";
}

Result<Document> parse_text(std::string_view text, std::string source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return fail(Errc::InvalidArgument, source + ":" + std::to_string(where.line) + ":" +
                                           std::to_string(where.column) + ": " +
                                           std::string(error.description()));
  }
  Document document;
  document.source = std::move(source);
  std::vector<std::string> path;
  collect(root, path, document);
  // toml++ keeps keys sorted; errors read best in the file's order.
  std::stable_sort(document.entries.begin(), document.entries.end(), [](const Entry& a, const Entry& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  std::stable_sort(document.tables.begin(), document.tables.end(),
                   [](const Table& a, const Table& b) { return a.line < b.line; });
  return document;
}

Result<Document> parse_file(const std::filesystem::path& file) {
  auto text = core::read_small_file(file);
  if (!text) return fail(Errc::InvalidArgument, file.string() + ": " + text.error().message());
  return parse_text(*text, file.string());
}

std::string dotted_key(const std::vector<std::string>& table, const std::string& key) {
  std::string out;
  for (const std::string& part : table) out += part + ".";
  return out + key;
}

}  // namespace certkeep::config
