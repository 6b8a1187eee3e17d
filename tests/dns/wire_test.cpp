// SPDX-License-Identifier: Apache-2.0
// DNS messages through ldns: queries, signed updates (adds by class IN, deletes by value with
// class NONE and TTL 0), rcode names, server addresses and zone helpers. The exchange with a
// real server is tests/bind/.
#include <catch2/catch.hpp>

#include <fstream>

#include "dns/server_address.hpp"
#include "dns/wire.hpp"
#include "dns/zone.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;
using namespace certkeep::dns;
using namespace std::chrono_literals;

namespace {

TsigKey test_key() {
  return parse_tsig_key("key \"k\" { algorithm hmac-sha256; secret \"AcDkevQC2uTJyr5kaR7bx1s8d9QXj45t4HlwCswGrJU=\"; };",
                        "k")
      .value();
}

}  // namespace

TEST_CASE("dns wire: a signed update adds with the TTL and deletes exactly one value", "[dns][wire]") {
  auto update = make_update("a.test", {{"_acme-challenge.www.a.test", "value-one"}},
                            {{"_acme-challenge.a.test", "value-two"}}, 60s, test_key());
  REQUIRE(update);
  CHECK(update->mac.size() > 2);  // signed: there is a MAC to check the reply against
  auto parsed = parse_reply(update->wire);  // the same parser reads the message back
  REQUIRE(parsed);
  CHECK(parsed->has_tsig);
  REQUIRE(parsed->authority.size() == 2);  // RFC 2136: the update section is the authority section
  CHECK(parsed->authority[0].owner == "_acme-challenge.a.test");
  CHECK(parsed->authority[0].ttl == 0);  // the delete (§2.5.4)
  CHECK(parsed->authority[0].data == "value-two");
  CHECK(parsed->authority[1].owner == "_acme-challenge.www.a.test");
  CHECK(parsed->authority[1].ttl == 60);
  CHECK(parsed->authority[1].data == "value-one");
  // A value that could break out of the TXT string is refused before anything is sent.
  CHECK_FALSE(make_update("a.test", {{"_acme-challenge.a.test", "a\"b"}}, {}, 60s, test_key()));
  // An empty signed update (what check() builds from deletes only) is fine.
  CHECK(make_update("a.test", {}, {}, 60s, test_key()));
}

TEST_CASE("dns wire: queries, rcode names and garbage", "[dns][wire]") {
  auto query = make_query("www.Example.com", RecordType::Txt);
  REQUIRE(query);
  CHECK(query->wire.size() > 12);
  CHECK(rcode_name(kRefused) == "REFUSED");
  CHECK(rcode_name(kNotAuth) == "NOTAUTH");
  CHECK(rcode_name(kBadSig) == "BADSIG");
  CHECK(rcode_name(42) == "RCODE 42");
  CHECK_FALSE(parse_reply("garbage"));
  CHECK_FALSE(parse_reply(std::string(12, '\xff')));
}

TEST_CASE("dns server address: host, port, IPv6 and bad input", "[dns][address]") {
  CHECK(parse_server_address("ns1.example.com", "--dns-rfc2136")->to_string() == "ns1.example.com:53");
  CHECK(parse_server_address("127.0.0.1:5353", "x")->port == 5353);
  CHECK(parse_server_address("[2001:db8::53]:5300", "x")->host == "2001:db8::53");
  CHECK(parse_server_address("2001:db8::53", "x")->to_string() == "[2001:db8::53]:53");
  for (const char* bad : {"", ":53", "host:", "host:0", "host:70000", "host:x", "[::1", "[::1]x", "a b", "h;rm"}) {
    auto parsed = parse_server_address(bad, "--dns-rfc2136");
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message(), Catch::Contains("--dns-rfc2136"));
  }
  testing::TempDir dir("resolv");
  std::ofstream(dir.path() / "resolv.conf") << "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver ::1\n";
  CHECK(system_resolver((dir.path() / "resolv.conf").string())->host == "192.0.2.53");
  std::ofstream(dir.path() / "empty.conf") << "search example.com\n";
  CHECK_FALSE(system_resolver((dir.path() / "empty.conf").string()));
}

TEST_CASE("dns zones: parents and containment", "[dns][zone]") {
  CHECK(parent_name("a.b.example.com") == "b.example.com");
  CHECK(parent_name("com").empty());
  CHECK(is_in_zone("_acme-challenge.www.a.test", "a.test"));
  CHECK(is_in_zone("a.test", "a.test"));
  CHECK_FALSE(is_in_zone("ba.test", "a.test"));
  CHECK_FALSE(is_in_zone("a.test", "www.a.test"));
}
