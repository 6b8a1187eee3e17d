// SPDX-License-Identifier: Apache-2.0
// The HTTP headers ACME relies on, as the CA sends them: Retry-After (RFC 9110 §10.2.3) and
// Link (RFC 8288), plus Replay-Nonce acceptance (RFC 8555 §6.5.1) and the case-insensitive
// header list. Input: header values separated by '\n'; the first is also the Retry-After.
#include <cstdint>
#include <ctime>

#include "acme/nonce_pool.hpp"
#include "fuzz_check.hpp"
#include "http/header_parsing.hpp"
#include "http/transport.hpp"

using namespace certkeep;

namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

const system_clock::time_point kNow = system_clock::from_time_t(1'750'000'000);

// "Sun, 06 Nov 1994 08:49:37 GMT", independently of the parser under test.
std::string imf_fixdate(system_clock::time_point when) {
  const std::time_t t = system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buffer;
}

void check_retry_after(std::string_view value) {
  auto delay = http::parse_retry_after(value, kNow);
  if (!delay) return;
  FUZZ_CHECK(*delay >= seconds(0) && *delay <= seconds(86400), "Retry-After is within [0, 1 day]");
  // A delta-seconds value means exactly that many seconds (clamped).
  std::string_view trimmed = value;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.remove_suffix(1);
  if (!trimmed.empty() && trimmed.size() <= 9 &&
      trimmed.find_first_not_of("0123456789") == std::string_view::npos) {
    const long long n = std::stoll(std::string(trimmed));
    FUZZ_CHECK(delay->count() == std::min(n, 86400LL), "delta-seconds are read exactly");
  } else {
    // An HTTP-date: formatting now + delay gives back the same delay (when not in the past
    // and within the clamp), so the date was read as the instant it names.
    if (delay->count() > 0 && delay->count() < 86400) {
      auto again = http::parse_retry_after(imf_fixdate(kNow + *delay), kNow);
      FUZZ_CHECK(again && *again == *delay, "an IMF-fixdate round-trips");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  if (fuzz::skip_unrepresentable_years(fuzz::as_text(data, size))) return 0;
  std::vector<std::string_view> values;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    values.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  check_retry_after(values.front());

  // Link: every link has a non-empty target without '>' and a non-empty lowercase relation
  // without spaces; never more than asked for.
  for (std::size_t max_links : {std::size_t{16}, std::size_t{1}}) {
    const std::vector<http::Link> links = http::parse_link_headers(values, max_links);
    FUZZ_CHECK(links.size() <= max_links, "links are bounded");
    for (const http::Link& link : links) {
      FUZZ_CHECK(!link.url.empty() && link.url.find('>') == std::string::npos,
                 "a link target is the text between < and >");
      FUZZ_CHECK(!link.rel.empty() && link.rel.find(' ') == std::string::npos, "one relation per link");
      for (char c : link.rel) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "relations are lowercased");
    }
  }
  // Parsing the values one at a time finds the same links, in the same order.
  std::vector<http::Link> one_by_one;
  for (std::string_view value : values)
    for (http::Link& link : http::parse_link_headers({value}, 1000)) one_by_one.push_back(std::move(link));
  const std::vector<http::Link> all = http::parse_link_headers(values, 1000);
  FUZZ_CHECK(all.size() == one_by_one.size(), "Link values are independent");
  for (std::size_t i = 0; i < all.size(); ++i)
    FUZZ_CHECK(all[i].url == one_by_one[i].url && all[i].rel == one_by_one[i].rel,
               "Link values are independent");

  // Replay-Nonce: kept only when it is 1..256 base64url characters, and handed back intact.
  acme::NoncePool pool;
  for (std::string_view value : values) {
    const bool valid = !value.empty() && value.size() <= 256 && fuzz::all_base64url(value);
    FUZZ_CHECK(pool.add(value) == valid, "a nonce is kept exactly when it is valid base64url");
    if (valid) {
      auto taken = pool.take();
      FUZZ_CHECK(taken && *taken == value, "the newest nonce comes back first and unchanged");
    }
  }

  // Headers: look-up is case-insensitive and keeps repeats in order.
  http::Headers headers;
  for (std::string_view value : values) headers.add("lInK", std::string(value));
  FUZZ_CHECK(headers.get_all("Link").size() == values.size(), "repeated headers are all kept");
  FUZZ_CHECK(headers.get("LINK") == std::optional<std::string_view>(values.front()),
             "get() is the first value, case-insensitively");
  return 0;
}
