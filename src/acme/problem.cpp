// SPDX-License-Identifier: Apache-2.0
#include "acme/problem.hpp"

#include "acme/json.hpp"

namespace certkeep::acme {

namespace {

// RFC 8555 §7.1.3: an identifier is {"type":"dns","value":"…"}.
std::string identifier_value(const rapidjson::Value& sub) {
  const rapidjson::Value* identifier = optional_member(sub, "identifier");
  if (identifier == nullptr) return {};
  return optional_string(*identifier, "value").value_or("");
}

}  // namespace

Problem parse_problem(std::string_view body, int http_status) {
  Problem problem;
  problem.status = http_status;
  auto document = parse_json_object(body, "problem document");
  if (!document) {
    problem.type = "about:blank";
    problem.detail = std::string(body.substr(0, 512));
    return problem;
  }
  return problem_from_json(*document, http_status);
}

Problem problem_from_json(const rapidjson::Value& object, int http_status) {
  Problem problem;
  problem.status = http_status;
  const rapidjson::Value* document = &object;
  problem.type = optional_string(*document, "type").value_or("about:blank");
  problem.detail = optional_string(*document, "detail").value_or("");
  problem.instance = optional_string(*document, "instance").value_or("");
  if (const rapidjson::Value* status = optional_member(*document, "status");
      status != nullptr && status->IsInt()) {
    problem.status = status->GetInt();
  }
  if (const rapidjson::Value* subs = optional_member(*document, "subproblems");
      subs != nullptr && subs->IsArray()) {
    for (const auto& sub : subs->GetArray()) {
      if (problem.subproblems.size() >= kMaxSubproblems) break;
      problem.subproblems.push_back({optional_string(sub, "type").value_or(""),
                                     optional_string(sub, "detail").value_or(""), identifier_value(sub)});
    }
  }
  return problem;
}

}  // namespace certkeep::acme
