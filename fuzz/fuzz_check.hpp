// SPDX-License-Identifier: Apache-2.0
// Shared by the fuzz targets: an invariant check that crashes the way libFuzzer records
// (abort → a crash-<sha1> file), and a few helpers for turning bytes into text.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// FUZZ_CHECK(condition, "what must hold"): abort with the file, line and text when the
// invariant does not hold. Always on (unlike assert), whatever NDEBUG says.
#define FUZZ_CHECK(condition, what)                                                                \
  do {                                                                                             \
    if (!(condition)) {                                                                            \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n  (%s)\n", __FILE__, __LINE__, what, \
                   #condition);                                                                    \
      std::abort();                                                                                \
    }                                                                                              \
  } while (0)

#define FUZZ_CHECK_BUG(id, condition, what)                                                                 \
  do {                                                                                                      \
    if (!(condition) && !certkeep::fuzz::bug_allowed(id)) {                                                 \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed [%s]: %s\n  (%s)\n", __FILE__, __LINE__, id, what, \
                   #condition);                                                                             \
      std::abort();                                                                                         \
    }                                                                                                       \
  } while (0)

namespace certkeep::fuzz {

// True when `id` is listed in CERTKEEP_FUZZ_ALLOW (comma-separated). Checks for a bug that is
// reported but not fixed yet use FUZZ_CHECK_BUG(id, …), so a long run can look past it:
//   CERTKEEP_FUZZ_ALLOW=raw-ca-text ./acme_order_fuzz corpus/
// run.sh never sets it: the regression inputs keep failing until src/ is fixed.
inline bool bug_allowed(std::string_view id) {
  static const std::string allowed = [] {
    const char* value = std::getenv("CERTKEEP_FUZZ_ALLOW");
    return "," + std::string(value == nullptr ? "" : value) + ",";
  }();
  return allowed.find("," + std::string(id) + ",") != std::string::npos;
}

// True when `text` names a year std::chrono::system_clock (signed 64-bit nanoseconds since
// 1970) cannot hold: a free-standing 4-digit number from 2262 up, or one before 1678 between
// spaces (an IMF-fixdate year). src/ turns those into signed overflow (reported as
// "time-overflow"); when that bug is allowed, the targets that parse times skip such inputs
// so a long run can look for other bugs.
inline bool skip_unrepresentable_years(std::string_view text) {
  if (!bug_allowed("time-overflow")) return false;
  auto digit = [&](std::size_t i) { return i < text.size() && text[i] >= '0' && text[i] <= '9'; };
  for (std::size_t i = 0; i + 4 <= text.size(); ++i) {
    if ((i > 0 && digit(i - 1)) || !digit(i) || !digit(i + 1) || !digit(i + 2) || !digit(i + 3) ||
        digit(i + 4))
      continue;
    const int year =
        (text[i] - '0') * 1000 + (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
    const bool between_spaces = i > 0 && text[i - 1] == ' ' && i + 4 < text.size() && text[i + 4] == ' ';
    if (year >= 2262 || (year < 1678 && between_spaces)) return true;
  }
  return false;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// True when no byte is a C0 control, DEL, or a UTF-8 encoded C1 control (0xC2 0x80..0x9F):
// what core::sanitize_for_terminal promises for text shown to a user.
inline bool terminal_safe(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return false;
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return false;
    }
  }
  return true;
}

inline bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

inline bool all_base64url(std::string_view text) {
  for (char c : text)
    if (!is_base64url_char(c)) return false;
  return true;
}

}  // namespace certkeep::fuzz
