// SPDX-License-Identifier: Apache-2.0
#include "certkeep/error.hpp"

#include <catch2/catch.hpp>

#include "core/problem_json.hpp"

using namespace certkeep;

TEST_CASE("Error::to_string shows the problem document with subproblems", "[core][error]") {
  Problem problem;
  problem.type = "urn:ietf:params:acme:error:rejectedIdentifier";
  problem.detail = "nope\x1b[2J";
  problem.status = 400;
  problem.subproblems.push_back({"urn:ietf:params:acme:error:malformed", "bad name", "x.test"});
  Error error = Error::from_problem(problem, std::chrono::seconds(30)).with_context("new-order");
  std::string text = error.to_string();
  CHECK(text.find("new-order: CA problem: urn:ietf:params:acme:error:rejectedIdentifier") == 0);
  CHECK(text.find("nope\\x1B[2J") != std::string::npos);
  CHECK(text.find("[x.test] urn:ietf:params:acme:error:malformed: bad name") != std::string::npos);
  CHECK(text.find("retry after 30 s") != std::string::npos);
  CHECK(error.problem()->is("rejectedIdentifier"));
  CHECK_FALSE(error.problem()->is("rejected"));
  CHECK_FALSE(error.is_transient());
}

TEST_CASE("a failure's event detail is the problem document as JSON, or the error's text", "[core][error]") {
  Problem problem;
  problem.type = "urn:ietf:params:acme:error:rejectedIdentifier";
  problem.detail = "no \"x\"";
  problem.status = 400;
  problem.subproblems.push_back({"urn:ietf:params:acme:error:caa", "CAA forbids", "x.test"});
  CHECK(core::failure_detail(Error::from_problem(problem).with_context("new-order")) ==
        R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no \"x\"","status":400,)"
        R"("subproblems":[{"type":"urn:ietf:params:acme:error:caa","detail":"CAA forbids",)"
        R"("identifier":{"type":"dns","value":"x.test"}}]})");
  CHECK(core::problem_json(Problem{}) == "{}");
  CHECK(core::failure_detail(Error(Errc::Network, "connect: refused")) ==
        Error(Errc::Network, "connect: refused").to_string());
}
