// SPDX-License-Identifier: Apache-2.0
#include "http/header_parsing.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include "core/clock.hpp"

namespace certkeep::http {

namespace {

constexpr std::chrono::seconds kMaxRetryAfter{24 * 60 * 60};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> number(std::string_view text) {
  if (!all_digits(text) || text.size() > 4) return std::nullopt;
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

// IMF-fixdate only ("Sun, 06 Nov 1994 08:49:37 GMT"): the form RFC 9110 requires senders to use.
std::optional<std::chrono::system_clock::time_point> parse_imf_fixdate(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text.substr(25) != " GMT") return std::nullopt;
  if (std::find(kDays.begin(), kDays.end(), text.substr(0, 3)) == kDays.end()) return std::nullopt;
  auto day = number(text.substr(5, 2));
  auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  auto year = number(text.substr(12, 4));
  auto hour = number(text.substr(17, 2));
  auto minute = number(text.substr(20, 2));
  auto second = number(text.substr(23, 2));
  if (!day || month == kMonths.end() || !year || !hour || !minute || !second || text[7] != ' ' ||
      text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':')
    return std::nullopt;
  if (*day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  const int month_index = static_cast<int>(month - kMonths.begin());
  tm.tm_mon = month_index;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = std::min(*second, 59);  // a leap second counts as the second before it
  const std::time_t seconds = ::timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  // timegm normalises "31 Feb" into March: a date that does not round-trip does not exist.
  std::tm check{};
  if (!::gmtime_r(&seconds, &check) || check.tm_mday != *day || check.tm_mon != month_index)
    return std::nullopt;
  return core::from_unix(static_cast<long long>(seconds));  // saturates past 2262
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits at commas that are outside <…> and "…".
std::vector<std::string_view> split_link_values(std::string_view value) {
  std::vector<std::string_view> parts;
  bool in_angle = false;
  bool in_quote = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (in_quote) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_quote = false;
    } else if (c == '"') {
      in_quote = true;
    } else if (c == '<') {
      in_angle = true;
    } else if (c == '>') {
      in_angle = false;
    } else if (c == ',' && !in_angle) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(value.substr(start));
  return parts;
}

// The value of the `rel` parameter in `; a=b; rel="x y"`, empty when absent.
std::string rel_parameter(std::string_view params) {
  while (!params.empty()) {
    params = trim(params);
    if (params.empty() || params.front() != ';') return {};
    params.remove_prefix(1);
    params = trim(params);
    const std::size_t eq = params.find('=');
    const std::size_t semi = params.find(';');
    if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
      params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi);
      continue;
    }
    const std::string name = lowercase(trim(params.substr(0, eq)));
    params = trim(params.substr(eq + 1));
    std::string value;
    if (!params.empty() && params.front() == '"') {
      std::size_t i = 1;
      for (; i < params.size() && params[i] != '"'; ++i) {
        if (params[i] == '\\' && i + 1 < params.size()) ++i;
        value.push_back(params[i]);
      }
      if (i >= params.size()) return {};  // unterminated quote
      params.remove_prefix(i + 1);
    } else {
      const std::size_t end = params.find(';');
      value = std::string(trim(params.substr(0, end)));
      params = end == std::string_view::npos ? std::string_view{} : params.substr(end);
    }
    if (name == "rel") return lowercase(value);
  }
  return {};
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (all_digits(value)) {
    // Anything over a day is clamped; more than 9 digits is clamped without overflow.
    if (value.size() > 9) return kMaxRetryAfter;
    long long seconds = 0;
    for (char c : value) seconds = seconds * 10 + (c - '0');
    return std::min(std::chrono::seconds(seconds), kMaxRetryAfter);
  }
  auto when = parse_imf_fixdate(value);
  if (!when) return std::nullopt;
  if (*when <= now) return std::chrono::seconds(0);
  return std::min(std::chrono::duration_cast<std::chrono::seconds>(*when - now), kMaxRetryAfter);
}

std::vector<Link> parse_link_headers(const std::vector<std::string_view>& values, std::size_t max_links) {
  std::vector<Link> links;
  for (std::string_view value : values) {
    for (std::string_view entry : split_link_values(value)) {
      entry = trim(entry);
      if (entry.size() < 2 || entry.front() != '<') continue;
      const std::size_t close = entry.find('>');
      if (close == std::string_view::npos) continue;
      const std::string url(entry.substr(1, close - 1));
      if (url.empty()) continue;
      const std::string rels = rel_parameter(entry.substr(close + 1));
      // rel="a b" names two relations for the same target (RFC 8288 §3.3).
      std::size_t start = 0;
      while (start < rels.size()) {
        std::size_t end = rels.find(' ', start);
        if (end == std::string::npos) end = rels.size();
        if (end > start) {
          if (links.size() >= max_links) return links;
          links.push_back(Link{url, rels.substr(start, end - start)});
        }
        start = end + 1;
      }
    }
  }
  return links;
}

}  // namespace certkeep::http
