// SPDX-License-Identifier: Apache-2.0
// CA error bodies (RFC 7807 problem documents, RFC 8555 §6.7): parse_problem, and the Error
// that carries one to the user. The first two bytes choose the HTTP status.
#include <cstdint>

#include "acme/problem.hpp"
#include "certkeep/error.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int http_status = 100 + (data[0] << 8 | data[1]) % 500;
  const std::string_view body = fuzz::as_text(data + 2, size - 2);

  const Problem problem = acme::parse_problem(body, http_status);
  FUZZ_CHECK(problem.subproblems.size() <= acme::kMaxSubproblems, "subproblems are bounded");
  if (!body.empty() && body.find('{') == std::string_view::npos) {
    // Not JSON at all: the user sees the first 512 bytes of what the CA said.
    FUZZ_CHECK(problem.type == "about:blank", "a non-JSON body is about:blank");
    FUZZ_CHECK(problem.detail == body.substr(0, 512), "a non-JSON body is the detail");
    FUZZ_CHECK(problem.status == http_status, "a non-JSON body keeps the HTTP status");
  }
  const bool bad_nonce = problem.is("badNonce");
  FUZZ_CHECK(!bad_nonce || problem.type == "urn:ietf:params:acme:error:badNonce",
             "is() matches the full ACME error URN only");

  // What the user sees: one line with every control character escaped.
  const Error error = Error::from_problem(problem, std::chrono::seconds(30));
  FUZZ_CHECK(error.code() == Errc::CaProblem, "a problem is Errc::CaProblem");
  FUZZ_CHECK(error.problem().has_value(), "the Error keeps the problem");
  const std::string line = error.to_string();
  FUZZ_CHECK(fuzz::terminal_safe(line), "Error::to_string escapes the CA's control characters");
  const std::string with_context = Error(error).with_context("new-order").to_string();
  FUZZ_CHECK(fuzz::terminal_safe(with_context), "context does not undo the escaping");
  return 0;
}
