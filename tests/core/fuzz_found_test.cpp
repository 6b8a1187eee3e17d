// SPDX-License-Identifier: Apache-2.0
// Inputs the fuzzers (fuzz/) found mishandled, kept as unit tests so the fixes stay.
#include <catch2/catch.hpp>

#include "certkeep/error.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"

using namespace certkeep;

TEST_CASE("fuzz-found: a date that does not exist is refused, not moved to the next month",
          "[core][time][fuzz]") {
  CHECK_FALSE(core::parse_rfc3339("2025-02-31T00:00:00Z"));
  CHECK_FALSE(core::parse_rfc3339("2023-02-29T00:00:00Z"));
  CHECK(core::parse_rfc3339("2024-02-29T00:00:00Z"));  // a leap day exists
}

TEST_CASE("fuzz-found: times past the clock's range saturate instead of overflowing", "[core][time][fuzz]") {
  auto far = core::parse_rfc3339("2300-01-01T00:00:00Z");
  REQUIRE(far);
  CHECK(core::to_unix(*far) == core::kLastUnixSecond);
  auto last = core::parse_rfc3339("9999-12-31T23:59:59Z");
  REQUIRE(last);
  CHECK(*last == *far);
  CHECK(core::from_unix(-5) == core::from_unix(0));
  CHECK(core::to_unix(core::from_unix(1'700'000'000)) == 1'700'000'000);
}

TEST_CASE("fuzz-found: an error message quoting CA text escapes control characters", "[core][fuzz]") {
  const Error error(Errc::Protocol, "order status \"\x1b]0;pwn\x07\" is unknown");
  const std::string text = error.to_string();
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(text.find("\\x1B]0;pwn\\x07") != std::string::npos);
}
