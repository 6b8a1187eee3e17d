// SPDX-License-Identifier: Apache-2.0
// Reads RFC 7807 problem documents from CA error responses (RFC 8555 §6.7).
#pragma once

#include <string_view>

#include <rapidjson/document.h>

#include "certkeep/error.hpp"
#include "certkeep/result.hpp"

namespace certkeep::acme {

inline constexpr std::size_t kMaxSubproblems = 100;

// Parses a problem document. A body that is not one still yields a Problem: type
// "about:blank", the HTTP status, and the start of the body as detail, so the user always sees
// what the CA said. Subproblems beyond kMaxSubproblems are dropped.
Problem parse_problem(std::string_view body, int http_status);
// The same for a problem object embedded in another resource (order or challenge "error").
Problem problem_from_json(const rapidjson::Value& object, int http_status);

}  // namespace certkeep::acme
