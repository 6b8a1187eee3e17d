// SPDX-License-Identifier: Apache-2.0
#include "core/time_format.hpp"

#include <cstdio>
#include <ctime>

namespace certkeep::core {

namespace {

bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

Result<SystemTime> parse_rfc3339(std::string_view text) {
  auto bad = [&] {
    return fail(Errc::InvalidArgument, "not an RFC 3339 time: \"" + std::string(text.substr(0, 64)) + "\"");
  };
  int year, month, day, hour, minute, second;
  if (!read_digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !read_digits(text, 5, 2, month) || text[7] != '-' || !read_digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !read_digits(text, 11, 2, hour) ||
      text[13] != ':' || !read_digits(text, 14, 2, minute) || text[16] != ':' ||
      !read_digits(text, 17, 2, second))
    return bad();
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60)
    return bad();
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start || pos - start > 9) return bad();
  }
  long offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!read_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !read_digits(text, pos + 4, 2, om) || oh > 23 || om > 59)
      return bad();
    offset_seconds = (oh * 3600L + om * 60L) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second == 60 ? 59 : second;  // a leap second is near enough
  time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return bad();
  // timegm turns "02-31" into March: a date that does not round-trip does not exist.
  std::tm check{};
  if (!gmtime_r(&t, &check) || check.tm_mday != day || check.tm_mon != month - 1) return bad();
  return from_unix(static_cast<long long>(t) - offset_seconds);
}

std::string format_rfc3339(SystemTime time) {
  time_t t = static_cast<time_t>(to_unix(time));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

}  // namespace certkeep::core
