// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "core/backoff.hpp"
#include "core/time_format.hpp"

using namespace certkeep;
using namespace std::chrono_literals;

TEST_CASE("RFC 3339 times parse with fractions and offsets", "[core][time]") {
  auto t = core::parse_rfc3339("2016-01-05T14:09:07.99Z");
  REQUIRE(t);
  CHECK(core::to_unix(*t) == 1452002947);
  CHECK(core::to_unix(*core::parse_rfc3339("2016-01-05T16:09:07+02:00")) == 1452002947);
  CHECK(core::format_rfc3339(*t) == "2016-01-05T14:09:07Z");
  for (const char* bad :
       {"", "2016-01-05", "2016-13-05T14:09:07Z", "2016-01-05T14:09:07", "x016-01-05T14:09:07Z",
        "2016-01-05T14:09:07.Z", "2016-01-05T14:09:07Zjunk", "1900-01-01T00:00:00Z"})
    CHECK_FALSE(core::parse_rfc3339(bad));
}

TEST_CASE("backoff starts fast, grows, caps, and honours Retry-After", "[core][backoff]") {
  core::Backoff backoff(50ms, 5s, 2.0);
  CHECK(backoff.next() == 50ms);
  CHECK(backoff.next() == 100ms);
  CHECK(backoff.next() == 200ms);
  for (int i = 0; i < 20; ++i) backoff.next();
  CHECK(backoff.next() == 5s);
  CHECK(backoff.next(std::chrono::seconds(3)) == 3s);
  CHECK(backoff.next(std::chrono::seconds(0)) == 1s);       // clamped up
  CHECK(backoff.next(std::chrono::seconds(99999)) == 60s);  // clamped down
}
