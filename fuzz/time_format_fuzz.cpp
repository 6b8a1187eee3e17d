// SPDX-License-Identifier: Apache-2.0
// RFC 3339 timestamps from the CA (ARI windows, order "expires") and the store:
// core::parse_rfc3339 and format_rfc3339. A parsed time is checked against an independent
// civil-calendar computation, not only for "does not crash".
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/time_format.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

unsigned days_in_month(int year, int month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int digits(std::string_view text, std::size_t pos, std::size_t count) {
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

constexpr long long kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z
// The last whole second system_clock (nanoseconds since 1970 in 64 bits) can hold: 2262-04-11.
const long long kMaxSystemSeconds =
    std::chrono::duration_cast<std::chrono::seconds>(core::SystemTime::max().time_since_epoch()).count();

void check_parsed(std::string_view text, core::SystemTime parsed) {
  // The parser accepted it, so the fixed-width fields are digits where RFC 3339 puts them.
  const int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  const int hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  FUZZ_CHECK(year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 &&
                 minute <= 59 && second <= 60,
             "fields are in range");
  FUZZ_CHECK_BUG("rfc3339-calendar", static_cast<unsigned>(day) <= days_in_month(year, month),
                 "a date that does not exist (e.g. 02-31) is refused, like parse_retry_after does");
  long long offset = 0;
  const std::size_t sign = text.find_first_of("+-", 19);
  if (sign != std::string_view::npos) {
    offset = (digits(text, sign + 1, 2) * 3600LL + digits(text, sign + 4, 2) * 60LL) *
             (text[sign] == '+' ? 1 : -1);
  }
  if (static_cast<unsigned>(day) <= days_in_month(year, month)) {
    const long long expected =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
        hour * 3600LL + minute * 60LL + (second == 60 ? 59 : second) - offset;
    // Instants the clock cannot hold saturate at its ends (the epoch, 2262-04-11).
    FUZZ_CHECK(core::to_unix(parsed) == std::clamp(expected, 0LL, kMaxSystemSeconds),
               "the instant is the civil time minus the offset, saturated to the clock's range");
  }
  // Fractions are dropped; whole seconds in 1970..9999 UTC round-trip through the formatter.
  FUZZ_CHECK(parsed == core::from_unix(core::to_unix(parsed)), "whole seconds");
  const long long unix_seconds = core::to_unix(parsed);
  if (unix_seconds >= 0 && unix_seconds < kYear10000) {
    const std::string formatted = core::format_rfc3339(parsed);
    FUZZ_CHECK(formatted.size() == 20 && formatted.back() == 'Z', "format is YYYY-MM-DDTHH:MM:SSZ");
    auto back = core::parse_rfc3339(formatted);
    FUZZ_CHECK(back && *back == parsed, "format/parse round-trips");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  if (fuzz::skip_unrepresentable_years(fuzz::as_text(data, size))) return 0;
  auto parsed = core::parse_rfc3339(text);
  if (parsed) {
    check_parsed(text, *parsed);
  } else {
    FUZZ_CHECK(parsed.error().code() == Errc::InvalidArgument, "a bad time is InvalidArgument");
  }

  // The formatter on arbitrary instants system_clock can hold (the store's Unix seconds).
  if (size >= 8) {
    long long raw = 0;
    std::memcpy(&raw, data, sizeof raw);
    const long long unix_seconds = static_cast<long long>(static_cast<unsigned long long>(raw) %
                                                          static_cast<unsigned long long>(kMaxSystemSeconds));
    const std::string formatted = core::format_rfc3339(core::from_unix(unix_seconds));
    auto back = core::parse_rfc3339(formatted);
    FUZZ_CHECK(back && core::to_unix(*back) == unix_seconds, "every instant in range round-trips");
  }
  return 0;
}
