// SPDX-License-Identifier: Apache-2.0
// The rule that gives each name of a lineage its challenge type (challenge_plan.hpp).
#include "lifecycle/challenge_plan.hpp"

#include <catch2/catch.hpp>

using namespace certkeep;
using namespace certkeep::lifecycle;

namespace {

ChallengeChoice choice(std::optional<ChallengeType> primary, bool dns) {
  ChallengeChoice made;
  made.primary = primary;
  made.has_dns = dns;
  return made;
}

}  // namespace

TEST_CASE("challenge plan: names use the primary method, wildcards DNS-01", "[lifecycle][challenges]") {
  const auto both = choice(ChallengeType::Http01, true);
  CHECK(challenge_types_for(both, {"example.com", "*.example.com"}).value() ==
        std::vector<ChallengeType>{ChallengeType::Http01, ChallengeType::Dns01});
  const auto alpn = choice(ChallengeType::TlsAlpn01, true);
  CHECK(challenge_type_for(alpn, "www.example.com").value() == ChallengeType::TlsAlpn01);
  // DNS-01 alone proves every name, as lego and certbot's DNS plugins do.
  CHECK(challenge_types_for(choice(std::nullopt, true), {"example.com", "*.example.com"}).value() ==
        std::vector<ChallengeType>{ChallengeType::Dns01, ChallengeType::Dns01});
}

TEST_CASE("challenge plan: a wildcard without DNS-01 is refused, naming what to give", "[lifecycle][challenges]") {
  auto refused = challenge_types_for(choice(ChallengeType::Http01, false), {"example.com", "*.example.com"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::InvalidArgument);
  CHECK_THAT(refused.error().message(),
             Catch::Contains("*.example.com") && Catch::Contains("dns-01") && Catch::Contains("--dns-rfc2136"));
  auto tls = challenge_type_for(choice(ChallengeType::TlsAlpn01, false), "*.example.com");
  REQUIRE_FALSE(tls);
  CHECK_THAT(tls.error().message(), Catch::Contains("tls-alpn-01 cannot prove it"));
  CHECK_FALSE(challenge_type_for(choice(std::nullopt, false), "example.com"));
}

TEST_CASE("challenge plan: per-name overrides", "[lifecycle][challenges]") {
  auto both = choice(ChallengeType::Http01, true);
  REQUIRE(add_challenge_override(both, "Internal.Example.com=dns-01"));
  CHECK(challenge_types_for(both, {"example.com", "internal.example.com"}).value() ==
        std::vector<ChallengeType>{ChallengeType::Http01, ChallengeType::Dns01});

  auto http_only = choice(ChallengeType::Http01, false);
  REQUIRE(add_challenge_override(http_only, "www.example.com=dns-01"));
  auto missing = challenge_types_for(http_only, {"www.example.com"});
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message(), Catch::Contains("no dns-01 method"));

  auto forced = choice(ChallengeType::Http01, true);
  REQUIRE(add_challenge_override(forced, "*.example.com=http-01"));
  CHECK_FALSE(challenge_types_for(forced, {"*.example.com"}));

  auto stray = choice(ChallengeType::Http01, true);
  REQUIRE(add_challenge_override(stray, "other.example.com=dns-01"));
  auto unknown = challenge_types_for(stray, {"www.example.com"});
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message(), Catch::Contains("not one of the certificate's names"));

  ChallengeChoice any;
  CHECK_FALSE(add_challenge_override(any, "www.example.com"));
  CHECK_FALSE(add_challenge_override(any, "www.example.com=dns-02"));
  CHECK_FALSE(add_challenge_override(any, "bad name=dns-01"));
}

TEST_CASE("challenge plan: overrides round-trip through the store's text", "[lifecycle][challenges]") {
  auto both = choice(ChallengeType::Http01, true);
  REQUIRE(add_challenge_override(both, "b.example.com=dns-01"));
  REQUIRE(add_challenge_override(both, "a.example.com=http-01"));
  const std::string text = format_overrides(both.overrides);
  CHECK(text == "a.example.com=http-01,b.example.com=dns-01");
  CHECK(parse_overrides(text).value() == both.overrides);
  CHECK(parse_overrides("").value().empty());
  CHECK_FALSE(parse_overrides("a.example.com=xyz"));
}

TEST_CASE("challenge plan: an IP address is never proved by DNS-01 (RFC 8738)", "[lifecycle][challenges]") {
  // With HTTP-01 beside DNS-01 the address goes to HTTP-01; with DNS-01 alone it is refused.
  CHECK(challenge_type_for(choice(ChallengeType::Http01, true), "127.0.0.1").value() == ChallengeType::Http01);
  CHECK(challenge_type_for(choice(ChallengeType::TlsAlpn01, false), "::1").value() == ChallengeType::TlsAlpn01);
  auto dns_only = challenge_types_for(choice(std::nullopt, true), {"example.com", "192.0.2.1"});
  REQUIRE_FALSE(dns_only);
  CHECK(dns_only.error().code() == Errc::InvalidArgument);
  CHECK_THAT(dns_only.error().message(), Catch::Contains("192.0.2.1") && Catch::Contains("RFC 8738"));
  auto chosen = choice(ChallengeType::Http01, true);
  chosen.overrides.insert_or_assign("2001:db8::1", ChallengeType::Dns01);
  CHECK_FALSE(challenge_type_for(chosen, "2001:db8::1"));
}
