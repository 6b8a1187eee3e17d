// SPDX-License-Identifier: Apache-2.0
#include "challenge/listen_address.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace certkeep;
using certkeep::challenge::parse_listen_address;

TEST_CASE("listen addresses are :PORT, IPV4:PORT or [IPV6]:PORT", "[challenge][listen]") {
  auto any = parse_listen_address(":80");
  REQUIRE(any);
  CHECK(any->host.empty());
  CHECK(any->port == 80);
  CHECK(any->to_string() == ":80");

  auto v4 = parse_listen_address("127.0.0.1:0");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 0);
  CHECK(v4->to_string() == "127.0.0.1:0");

  auto v6 = parse_listen_address("[::1]:65535");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 65535);
  CHECK(v6->to_string() == "[::1]:65535");

  for (const std::string& bad : std::vector<std::string>{
           "", "80", ":", ":65536", ":99999", ":-1", ":8a", ":+80", "localhost:80", "1.2.3:80", "::1:80",
           "[::1]80", "[::1]:", "[::1", "[localhost]:80", "[]:80", "127.0.0.1:80:80", " :80"}) {
    CAPTURE(bad);
    auto parsed = parse_listen_address(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == Errc::InvalidArgument);
  }
}

TEST_CASE("fuzz-found: a NUL inside a listen address is refused, not cut off", "[challenge][listen][fuzz]") {
  using namespace std::string_literals;
  auto parsed = parse_listen_address("1.2.3.4\0x:80"s);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code() == Errc::InvalidArgument);
}
