// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "http/header_parsing.hpp"
#include "http/transport.hpp"

using namespace certkeep::http;
using namespace std::chrono_literals;

namespace {
const auto kNow = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
}

TEST_CASE("Retry-After as delay-seconds", "[http][retry-after]") {
  CHECK(parse_retry_after("120", kNow) == 120s);
  CHECK(parse_retry_after(" 0 ", kNow) == 0s);
  CHECK(parse_retry_after("86401", kNow) == 86400s);            // clamped to a day
  CHECK(parse_retry_after("99999999999999999999", kNow) == 86400s);  // no overflow
}

TEST_CASE("Retry-After as an IMF-fixdate, relative to now", "[http][retry-after]") {
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", kNow) == 60s);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow) == 0s);
  CHECK(parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", kNow) == 0s);  // past
  CHECK(parse_retry_after("Sun, 06 Nov 2094 08:49:37 GMT", kNow) == 86400s);
}

TEST_CASE("Retry-After garbage is refused, not guessed", "[http][retry-after]") {
  for (const char* bad : {"", "soon", "-5", "1.5", "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT",
                          "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "12abc"}) {
    INFO(bad);
    CHECK_FALSE(parse_retry_after(bad, kNow).has_value());
  }
}

TEST_CASE("Link headers: several links, quoted and bare rel, several rels", "[http][link]") {
  std::vector<std::string_view> values = {
      R"(<https://ca/cert/1/1>;rel="alternate", <https://ca/dir>; rel=index)",
      R"(<https://ca/cert/1/2>; title="a, b; c"; rel="alternate up")"};
  auto links = parse_link_headers(values);
  REQUIRE(links.size() == 4);
  CHECK(links[0].url == "https://ca/cert/1/1");
  CHECK(links[0].rel == "alternate");
  CHECK(links[1].url == "https://ca/dir");
  CHECK(links[1].rel == "index");
  CHECK(links[2].url == "https://ca/cert/1/2");
  CHECK(links[2].rel == "alternate");
  CHECK(links[3].rel == "up");
}

TEST_CASE("Link headers: malformed entries are skipped and the count is bounded", "[http][link]") {
  CHECK(parse_link_headers({"no angle brackets; rel=alternate", "<>; rel=x", "<https://a; rel=x"}).empty());
  CHECK(parse_link_headers({R"(<https://a>; rel="unterminated)"}).empty());
  std::string many;
  for (int i = 0; i < 100; ++i) many += "<https://a/" + std::to_string(i) + ">; rel=alternate,";
  CHECK(parse_link_headers({many}, 16).size() == 16);
  auto upper = parse_link_headers({"<https://a>; REL=Alternate"});
  REQUIRE(upper.size() == 1);
  CHECK(upper[0].rel == "alternate");
}

TEST_CASE("Headers are looked up case-insensitively and keep repeats", "[http][headers]") {
  Headers headers;
  headers.add("Replay-Nonce", "abc");
  headers.add("link", "<a>");
  headers.add("LINK", "<b>");
  CHECK(headers.get("replay-nonce") == std::optional<std::string_view>("abc"));
  CHECK_FALSE(headers.get("Location").has_value());
  CHECK(headers.get_all("Link") == std::vector<std::string_view>{"<a>", "<b>"});
}
