// SPDX-License-Identifier: Apache-2.0
// The ACME object parsers against RFC 8555 examples and hostile variations.
#include <catch2/catch.hpp>

#include <cstring>

#include "acme/authorization.hpp"
#include "acme/directory.hpp"
#include "acme/json.hpp"
#include "acme/order.hpp"
#include "acme/problem.hpp"
#include "acme/renewal_info.hpp"
#include "core/time_format.hpp"

using namespace certkeep;
using namespace certkeep::acme;

namespace {

constexpr const char* kDirectory = R"({
  "newNonce": "https://example.com/acme/new-nonce",
  "newAccount": "https://example.com/acme/new-account",
  "newOrder": "https://example.com/acme/new-order",
  "revokeCert": "https://example.com/acme/revoke-cert",
  "keyChange": "https://example.com/acme/key-change",
  "renewalInfo": "https://example.com/acme/renewal-info",
  "meta": {
    "termsOfService": "https://example.com/acme/terms/2017-5-30",
    "externalAccountRequired": false,
    "profiles": {"classic": "x", "shortlived": "y"}
  }
})";

constexpr const char* kOrder = R"({
  "status": "pending",
  "expires": "2016-01-05T14:09:07.99Z",
  "identifiers": [{ "type": "dns", "value": "www.example.org" }, { "type": "dns", "value": "example.org" }],
  "authorizations": ["https://example.com/acme/authz/PAniVnsZcis", "https://example.com/acme/authz/r4HqLzrSrpI"],
  "finalize": "https://example.com/acme/order/TOlocE8rfgo/finalize"
})";

constexpr const char* kAuthorization = R"({
  "status": "pending",
  "expires": "2016-01-02T14:09:30Z",
  "identifier": { "type": "dns", "value": "www.example.org" },
  "challenges": [
    { "type": "http-01", "url": "https://example.com/acme/chall/prV_B7yEyA4", "status": "pending",
      "token": "DGyRejmCefe7v4NfDGDKfA" },
    { "type": "dns-01", "url": "https://example.com/acme/chall/Rg5dV14Gh1Q", "status": "pending",
      "token": "DGyRejmCefe7v4NfDGDKfA" }
  ]
})";

}  // namespace

TEST_CASE("the RFC 8555 directory example parses with ARI and profiles", "[acme][directory]") {
  auto directory = parse_directory(kDirectory);
  REQUIRE(directory);
  CHECK(directory->new_nonce == "https://example.com/acme/new-nonce");
  CHECK(directory->new_order == "https://example.com/acme/new-order");
  CHECK(directory->has_renewal_info());
  CHECK(directory->terms_of_service == "https://example.com/acme/terms/2017-5-30");
  REQUIRE(directory->profiles.size() == 2);
  CHECK(directory->profiles[0] == certkeep::acme::Profile{"classic", "x"});
  CHECK(directory->profiles[1] == certkeep::acme::Profile{"shortlived", "y"});
  CHECK(directory->offers_profile("shortlived"));
  CHECK_FALSE(directory->offers_profile("tlsserver"));
  CHECK(directory->profile_names() == "classic, shortlived");
}

TEST_CASE("a directory with an http:// URL or a missing newOrder is refused", "[acme][directory]") {
  std::string http = kDirectory;
  http.replace(http.find("https://example.com/acme/new-order"), 8, "http://");
  auto refused = parse_directory(http);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::Protocol);
  CHECK(refused.error().message().find("not https") != std::string::npos);

  auto missing = parse_directory(R"({"newNonce":"https://a/n","newAccount":"https://a/a"})");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().find("newOrder") != std::string::npos);
}

TEST_CASE("a directory whose required URL is an empty string is refused, an empty optional one is absent",
          "[acme][directory]") {
  for (const char* field : {"newNonce", "newAccount", "newOrder"}) {
    std::string body = R"({"newNonce":"https://a/n","newAccount":"https://a/a","newOrder":"https://a/o"})";
    const std::size_t at = body.find(std::string("\"") + field + "\":\"") + std::strlen(field) + 4;
    body.erase(at, body.find('"', at) - at);
    INFO(body);
    auto refused = parse_directory(body);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == Errc::Protocol);
    CHECK(refused.error().message() == "malformed response from CA: directory: URL is not https: (empty)");
  }
  auto optional_empty = parse_directory(
      R"({"newNonce":"https://a/n","newAccount":"https://a/a","newOrder":"https://a/o","renewalInfo":""})");
  REQUIRE(optional_empty);
  CHECK_FALSE(optional_empty->has_renewal_info());
}

TEST_CASE("JSON nested deeper than the limit is refused before parsing", "[acme][json]") {
  std::string deep(100000, '[');
  auto refused = parse_json_object(deep, "directory");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("nested deeper") != std::string::npos);
  std::string objects;
  for (int i = 0; i < 40; ++i) objects += "{\"a\":";
  CHECK_FALSE(parse_json_object(objects, "x"));
  // Brackets inside strings do not count.
  CHECK(parse_json_object(R"({"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})", "x"));
}

TEST_CASE("invalid UTF-8, non-objects and wrong field types name what is wrong", "[acme][json]") {
  CHECK_FALSE(parse_json_object("{\"a\":\"\xff\xfe\"}", "x"));
  CHECK_FALSE(parse_json_object("[1,2]", "x"));
  auto order = parse_order(R"({"status":7,"identifiers":[],"authorizations":[],"finalize":"https://a/f"})",
                           "https://a/o", nullptr);
  REQUIRE_FALSE(order);
  CHECK(order.error().message().find("\"status\" is not a string") != std::string::npos);
  auto no_finalize =
      parse_order(R"({"status":"pending","identifiers":[],"authorizations":[]})", "u", nullptr);
  REQUIRE_FALSE(no_finalize);
  CHECK(no_finalize.error().message().find("finalize") != std::string::npos);
  auto bad_authz = parse_order(
      R"({"status":"pending","identifiers":[],"authorizations":"x","finalize":"https://a/f"})", "u", nullptr);
  REQUIRE_FALSE(bad_authz);
  CHECK(bad_authz.error().message().find("not an array") != std::string::npos);
}

TEST_CASE("the RFC 8555 order example parses", "[acme][order]") {
  auto order = parse_order(kOrder, "https://example.com/acme/order/TOlocE8rfgo", nullptr);
  REQUIRE(order);
  CHECK(order->status == OrderStatus::Pending);
  CHECK(order->identifiers == std::vector<std::string>{"www.example.org", "example.org"});
  CHECK(order->authorizations.size() == 2);
  CHECK(order->finalize == "https://example.com/acme/order/TOlocE8rfgo/finalize");
  CHECK_FALSE(order->error);
}

TEST_CASE("an unknown order status is refused", "[acme][order]") {
  std::string body = kOrder;
  body.replace(body.find("pending"), 7, "weird");
  CHECK_FALSE(parse_order(body, "u", nullptr));
}

TEST_CASE("an invalid order carries its problem document", "[acme][order]") {
  auto order = parse_order(R"({"status":"invalid","identifiers":[{"type":"dns","value":"a.test"}],
    "authorizations":[],"finalize":"https://a/f",
    "error":{"type":"urn:ietf:params:acme:error:unauthorized","detail":"no"}})",
                           "u", nullptr);
  REQUIRE(order);
  REQUIRE(order->error);
  CHECK(order->error->is("unauthorized"));
}

TEST_CASE("the RFC 8555 authorization example yields its http-01 challenge", "[acme][authorization]") {
  auto authorization =
      parse_authorization(kAuthorization, "https://example.com/acme/authz/PAniVnsZcis", nullptr);
  REQUIRE(authorization);
  CHECK(authorization->identifier == "www.example.org");
  REQUIRE(authorization->find(ChallengeType::Http01));
  CHECK(authorization->find(ChallengeType::Http01)->token == "DGyRejmCefe7v4NfDGDKfA");
  CHECK(authorization->find(ChallengeType::Http01)->url == "https://example.com/acme/chall/prV_B7yEyA4");
}

TEST_CASE("hostile http-01 tokens are refused at parse time", "[acme][authorization][security]") {
  auto token =
      GENERATE(as<std::string>{}, "../../etc/passwd_xxxxxxxxxxx", "..%2F..%2Fetc%2Fpasswdxxxxxx", "a/b", "",
               "short", std::string(5000, 'a'), "ééééééééééééééééééééééé", "abcdefghijklmnopqrstuv=");
  std::string body = kAuthorization;
  body.replace(body.find("DGyRejmCefe7v4NfDGDKfA"), 22, token);
  auto authorization = parse_authorization(body, "u", nullptr);
  REQUIRE_FALSE(authorization);
  CHECK(authorization.error().code() == Errc::Protocol);
}

TEST_CASE("a failed challenge's problem becomes the authorization's failure", "[acme][authorization]") {
  auto authorization =
      parse_authorization(R"({"status":"invalid","identifier":{"type":"dns","value":"a.test"},
    "challenges":[{"type":"http-01","url":"https://a/c","status":"invalid","token":"DGyRejmCefe7v4NfDGDKfA",
    "error":{"type":"urn:ietf:params:acme:error:connection","detail":"Connection refused"}}]})",
                          "u", nullptr);
  REQUIRE(authorization);
  auto failure = authorization->failure();
  REQUIRE(failure);
  CHECK(failure->is("connection"));
  REQUIRE(failure->subproblems.size() == 1);
  CHECK(failure->subproblems[0].identifier == "a.test");
}

TEST_CASE("problem documents keep type, detail, status and subproblems", "[acme][problem]") {
  Problem problem = parse_problem(R"({
    "type": "urn:ietf:params:acme:error:malformed",
    "detail": "Some of the identifiers requested were rejected",
    "subproblems": [
      {"type": "urn:ietf:params:acme:error:malformed", "detail": "Invalid underscore in DNS name \"_example.org\"",
       "identifier": {"type": "dns", "value": "_example.org"}},
      {"type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "This CA will not issue for \"example.net\"",
       "identifier": {"type": "dns", "value": "example.net"}}
    ]})",
                                  400);
  CHECK(problem.is("malformed"));
  CHECK(problem.status == 400);
  REQUIRE(problem.subproblems.size() == 2);
  CHECK(problem.subproblems[1].identifier == "example.net");
  CHECK(problem.subproblems[1].type == "urn:ietf:params:acme:error:rejectedIdentifier");
}

TEST_CASE("a body that is not a problem document is still shown to the user", "[acme][problem]") {
  Problem problem = parse_problem("<html>502 Bad Gateway</html>", 502);
  CHECK(problem.type == "about:blank");
  CHECK(problem.status == 502);
  CHECK(problem.detail.find("502 Bad Gateway") != std::string::npos);
  CHECK(Error::from_problem(problem).is_transient());
}

TEST_CASE("ARI renewal info parses its window and refuses a reversed one", "[acme][ari]") {
  auto info =
      parse_renewal_info(R"({"suggestedWindow":{"start":"2025-01-02T04:00:00Z","end":"2025-01-03T04:00:00Z"},
                                    "explanationURL":"https://acme.example.com/docs/ari"})");
  REQUIRE(info);
  CHECK(core::format_rfc3339(info->window_start) == "2025-01-02T04:00:00Z");
  CHECK(info->explanation_url == "https://acme.example.com/docs/ari");
  CHECK_FALSE(parse_renewal_info(
      R"({"suggestedWindow":{"start":"2025-01-03T04:00:00Z","end":"2025-01-02T04:00:00Z"}})"));
  CHECK_FALSE(parse_renewal_info(R"({"suggestedWindow":{"start":"garbage","end":"2025-01-02T04:00:00Z"}})"));
  CHECK_FALSE(parse_renewal_info(R"({})"));
}

TEST_CASE("fuzz-found: an https URL needs a host", "[acme][directory][fuzz]") {
  CHECK_FALSE(is_https_url("https:///path"));
  CHECK_FALSE(is_https_url("https://?x"));
  CHECK_FALSE(is_https_url("https://#f"));
  CHECK(is_https_url("https://ca.example/dir"));
}
