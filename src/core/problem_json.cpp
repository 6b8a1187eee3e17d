// SPDX-License-Identifier: Apache-2.0
#include "core/problem_json.hpp"

#include "core/json_writer.hpp"

namespace certkeep::core {

namespace {
void field_unless_empty(JsonWriter& json, std::string_view name, const std::string& value) {
  if (!value.empty()) json.field(name, value);
}
}  // namespace

std::string problem_json(const Problem& problem) {
  JsonWriter json;
  json.begin_object();
  field_unless_empty(json, "type", problem.type);
  field_unless_empty(json, "detail", problem.detail);
  if (problem.status != 0) json.field("status", problem.status);
  field_unless_empty(json, "instance", problem.instance);
  if (!problem.subproblems.empty()) {
    json.key("subproblems").begin_array();
    for (const Subproblem& sub : problem.subproblems) {
      json.begin_object();
      field_unless_empty(json, "type", sub.type);
      field_unless_empty(json, "detail", sub.detail);
      if (!sub.identifier.empty())
        json.key("identifier")
            .begin_object()
            .field("type", "dns")
            .field("value", sub.identifier)
            .end_object();
      json.end_object();
    }
    json.end_array();
  }
  json.end_object();
  return json.str();
}

std::string failure_detail(const Error& error) {
  return error.problem() ? problem_json(*error.problem()) : error.to_string();
}

}  // namespace certkeep::core
