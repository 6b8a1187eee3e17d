// SPDX-License-Identifier: Apache-2.0
// Every --json output is one JSON object that starts with its schema version and kind:
//   {"schema_version": 1, "kind": "lineages", …}
// docs/json.md describes each kind. Adding a field keeps the version; removing or renaming one,
// or changing its meaning or type, raises it.
#pragma once

#include <string_view>

#include "core/json_writer.hpp"

namespace certkeep::cli {

inline constexpr int kJsonSchemaVersion = 1;

// An open object with schema_version and kind written; the caller adds fields and ends it.
inline core::JsonWriter json_document(std::string_view kind) {
  core::JsonWriter json;
  json.begin_object().field("schema_version", kJsonSchemaVersion).field("kind", kind);
  return json;
}

}  // namespace certkeep::cli
