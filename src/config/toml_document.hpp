// SPDX-License-Identifier: Apache-2.0
// TOML files (certkeep.toml) read into a flat, library-neutral list of keys with their values
// and source lines. toml++ is used only here. What the keys mean, and which are allowed, is
// the command line's business (cli/config_file.*): this module only reads TOML faithfully.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "certkeep/result.hpp"

namespace certkeep::config {

// The TOML type of a value, as far as a setting cares.
enum class ValueKind { String, Integer, Float, Boolean, Array, Table, DateTime };
std::string_view to_string(ValueKind kind) noexcept;

struct Value {
  ValueKind kind = ValueKind::String;
  // The scalar as text ("true", "42", the string itself); for an Array, one text per element.
  std::vector<std::string> items;
  // For an Array: the kind of every element when they all have one, else Table (mixed or nested).
  ValueKind element_kind = ValueKind::String;
};

// One `key = value` of the file. `table` is the path of the [table] it sits in ({} at the top,
// {"ca", "init"} under [ca.init]); a value that is itself a table (an inline one) is listed
// with kind Table and its own keys are listed under it.
struct Entry {
  std::vector<std::string> table;
  std::string key;
  Value value;
  int line = 0;
  int column = 0;
};

// A [table] header (or the implicit parent of a dotted one), with where it starts.
struct Table {
  std::vector<std::string> path;
  int line = 0;
};

struct Document {
  std::string source;  // the file name errors name
  std::vector<Entry> entries;
  std::vector<Table> tables;
};

// Parses TOML text. Errc::InvalidArgument "SOURCE:LINE:COLUMN: <what toml++ says>" for a
// syntax error (the first one: TOML has no recovery).
Result<Document> parse_text(std::string_view text, std::string source);

// Reads and parses a file of at most 1 MiB. Errc::InvalidArgument naming the file when it
// cannot be read or is not TOML.
Result<Document> parse_file(const std::filesystem::path& file);

// "issue.email", "ca.init.cn", "state-dir": a table path and key joined by dots.
std::string dotted_key(const std::vector<std::string>& table, const std::string& key);

}  // namespace certkeep::config
