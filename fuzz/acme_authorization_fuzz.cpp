// SPDX-License-Identifier: Apache-2.0
// ACME authorizations and their challenges (RFC 8555 §7.1.4, §8): parse_authorization. The
// http-01 token goes on to a file path (webroot) and a router (standalone), so the parser must
// never let an out-of-grammar token through.
#include <cstdint>

#include "acme/authorization.hpp"
#include "challenge/token.hpp"
#include "fuzz_check.hpp"
#include "fuzz_client.hpp"

using namespace certkeep;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  const acme::Client& client = fuzz::inert_client();

  auto unchecked = acme::parse_authorization(body, "https://ca.example:14000/authz/1", nullptr);
  auto checked = acme::parse_authorization(body, "https://ca.example:14000/authz/1", &client);
  if (checked) FUZZ_CHECK(unchecked.has_value(), "the URL check only ever removes results");
  if (!unchecked) {
    FUZZ_CHECK(unchecked.error().code() == Errc::Protocol, "a bad authorization is Errc::Protocol");
    FUZZ_CHECK_BUG("raw-ca-text", fuzz::terminal_safe(unchecked.error().to_string()),
                   "the error the CLI prints escapes the CA's control characters");
    FUZZ_CHECK(!checked, "no client makes a bad authorization good");
    return 0;
  }
  const acme::Authorization& authorization = *unchecked;
  FUZZ_CHECK(authorization.challenges.size() <= acme::kMaxChallenges, "challenges are bounded");

  const acme::Challenge* first_http01 = nullptr;
  for (const acme::Challenge& challenge : authorization.challenges) {
    if (challenge.type != "http-01") continue;
    if (first_http01 == nullptr) first_http01 = &challenge;
    // RFC 8555 §8.3, and the same verdict as the solvers' own check.
    FUZZ_CHECK(challenge.token.size() >= 22 && challenge.token.size() <= 512,
               "an http-01 token is 22..512 characters");
    FUZZ_CHECK(fuzz::all_base64url(challenge.token), "an http-01 token is base64url");
    FUZZ_CHECK(challenge::is_valid_token(challenge.token), "the solvers accept every parsed token");
    const std::string key_authorization =
        acme::key_authorization(challenge.token, "0123456789012345678901234567890123456789abc");
    FUZZ_CHECK(challenge::is_valid_key_authorization(challenge.token, key_authorization),
               "token + thumbprint is a valid key authorization");
    if (checked)
      FUZZ_CHECK(acme::url_origin(challenge.url) == acme::url_origin(fuzz::kDirectoryUrl),
                 "the http-01 URL we POST to is on the CA's origin");
  }
  FUZZ_CHECK(authorization.find(certkeep::ChallengeType::Http01) == first_http01, "find(Http01) is the first http-01 challenge");

  if (auto failure = authorization.failure()) {
    FUZZ_CHECK(!failure->subproblems.empty(), "a failure always names at least one subproblem");
  } else {
    for (const acme::Challenge& challenge : authorization.challenges)
      FUZZ_CHECK(!challenge.error, "no failure means no challenge has an error");
  }
  const std::string_view status = acme::to_string(authorization.status);
  FUZZ_CHECK(status == "pending" || status == "valid" || status == "invalid" || status == "deactivated" ||
                 status == "expired" || status == "revoked",
             "the status is one of RFC 8555's");
  return 0;
}
