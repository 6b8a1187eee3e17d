// SPDX-License-Identifier: Apache-2.0
#include "core/ip_address.hpp"

#include <catch2/catch.hpp>

using namespace certkeep::core;

TEST_CASE("IP addresses are recognised and written in one canonical form", "[core][ip]") {
  CHECK(parse_ip_address("192.0.2.1")->text == "192.0.2.1");
  CHECK(parse_ip_address("192.0.2.1")->family == IpFamily::V4);
  CHECK(parse_ip_address("2001:DB8:0:0:0:0:0:1")->text == "2001:db8::1");
  CHECK(parse_ip_address("2001:db8::1")->family == IpFamily::V6);
  CHECK(parse_ip_address("::1")->text == "::1");
  CHECK(parse_ip_address("::ffff:192.0.2.1")->text == "::ffff:192.0.2.1");
}

TEST_CASE("DNS names and near-addresses are not IP addresses", "[core][ip]") {
  for (const char* text : {"example.com", "", "192.0.2", "192.0.2.1.", "[::1]", "fe80::1%eth0",
                           "192.0.2.0/24", "01.2.3.4", "256.1.1.1", "1.2.3.4 ", "localhost"}) {
    INFO(text);
    CHECK_FALSE(is_ip_address(text));
  }
}

TEST_CASE("the reverse-DNS name of an address is RFC 8738 section 6's", "[core][ip]") {
  CHECK(reverse_dns_name("192.0.2.1") == "1.2.0.192.in-addr.arpa");
  CHECK(reverse_dns_name("2001:db8::1") ==
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  CHECK(reverse_dns_name("example.com").empty());
}
