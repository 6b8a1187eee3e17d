// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <cstring>
#include <ctime>

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
  CHECK(parse_retry_after("86401", kNow) == 86400s);                 // clamped to a day
  CHECK(parse_retry_after("99999999999999999999", kNow) == 86400s);  // no overflow
}

TEST_CASE("Retry-After as an IMF-fixdate, relative to now", "[http][retry-after]") {
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", kNow) == 60s);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow) == 0s);
  CHECK(parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", kNow) == 0s);  // past
  CHECK(parse_retry_after("Sun, 06 Nov 2094 08:49:37 GMT", kNow) == 86400s);
}

TEST_CASE("Retry-After relative to the real clock", "[http][retry-after]") {
  // 2 minutes after a whole second, so the date has no fraction the parser would drop.
  const auto now = std::chrono::system_clock::from_time_t(std::time(nullptr));
  const std::time_t later = std::chrono::system_clock::to_time_t(now + 120s);
  std::tm tm{};
  REQUIRE(::gmtime_r(&later, &tm));
  char text[64];
  REQUIRE(std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 29);
  CHECK(parse_retry_after(text, now) == 120s);
  CHECK(parse_retry_after(text, now + 1h) == 0s);  // already past
}

TEST_CASE("Retry-After garbage is refused, not guessed", "[http][retry-after]") {
  for (const char* bad :
       {"", "   ", "soon", "-5", "+5", "1.5", "1e3", "0x10", "12abc", "120 s",
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Tue, 31 Feb 1995 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT junk"}) {
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

TEST_CASE("Link headers: commas and semicolons inside the URL do not split it", "[http][link]") {
  auto links = parse_link_headers({R"(<https://ca/a,b;c>; rel="alternate";title="x")"});
  REQUIRE(links.size() == 1);
  CHECK(links[0].url == "https://ca/a,b;c");
  CHECK(links[0].rel == "alternate");
  // The first rel parameter counts (RFC 8288 §3.3).
  auto first = parse_link_headers({"<https://ca/x>; rel=up; rel=alternate"});
  REQUIRE(first.size() == 1);
  CHECK(first[0].rel == "up");
}

TEST_CASE("Link headers: malformed entries are skipped and the count is bounded", "[http][link]") {
  CHECK(parse_link_headers({"no angle brackets; rel=alternate", "<>; rel=x", "<https://a; rel=x"}).empty());
  CHECK(parse_link_headers({R"(<https://a>; rel="unterminated)"}).empty());
  CHECK(parse_link_headers({"<https://a>", "<https://a>; title=x", "<https://a>; rel=", "", ",,,"}).empty());
  // A broken entry does not hide the good one next to it.
  auto mixed = parse_link_headers({R"(garbage, <https://ca/good>; rel="alternate", <https://bad)"});
  REQUIRE(mixed.size() == 1);
  CHECK(mixed[0].url == "https://ca/good");
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

TEST_CASE("fuzz-found: Retry-After dates far in the future or past do not overflow",
          "[http][retry-after][fuzz]") {
  CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", kNow) == 86400s);  // clamped to a day
  CHECK(parse_retry_after("Sat, 31 Dec 1007 23:59:59 GMT", kNow) == 0s);      // in the past
}
