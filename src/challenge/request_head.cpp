// SPDX-License-Identifier: Apache-2.0
#include "challenge/request_head.hpp"

#include "core/strings.hpp"

namespace certkeep::challenge {

namespace {

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) noexcept {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return kSymbols.find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (char c : text)
    if (!is_tchar(c)) return false;
  return true;
}

// Visible ASCII only: a request-target has no spaces or controls (RFC 9112 §3.2).
bool is_visible(std::string_view text) noexcept {
  for (char c : text)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

// RFC 9110 §5.5: field values are VCHAR, obs-text, SP and HTAB.
bool is_field_value(std::string_view text) noexcept {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '\t') continue;
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// One line without its terminator, or false while the terminator has not arrived.
bool next_line(std::string_view text, std::size_t& offset, std::string_view& line) {
  const std::size_t newline = text.find('\n', offset);
  if (newline == std::string_view::npos) return false;
  line = text.substr(offset, newline - offset);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  offset = newline + 1;
  return true;
}

bool parse_request_line(std::string_view line, RequestHead& head) {
  const std::size_t first = line.find(' ');
  if (first == std::string_view::npos) return false;
  const std::size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) return false;
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (!is_token(method) || target.empty() || !is_visible(target)) return false;
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
  head.method = std::string(method);
  head.target = std::string(target);
  head.version = std::string(version);
  return true;
}

}  // namespace

HeadParse parse_request_head(std::string_view received, std::size_t max_bytes) {
  HeadParse result;
  std::size_t offset = 0;
  std::string_view line;
  // Skip the empty lines a client may send before the request line.
  for (;;) {
    const std::size_t start = offset;
    if (!next_line(received, offset, line)) {
      offset = start;
      break;
    }
    if (!line.empty()) {
      offset = start;
      break;
    }
  }
  if (!next_line(received, offset, line)) {
    if (received.size() >= max_bytes) result.status = HeadStatus::TargetTooLong;
    return result;
  }
  if (offset > max_bytes) {
    result.status = HeadStatus::TargetTooLong;
    return result;
  }
  if (line.find('\r') != std::string_view::npos || !parse_request_line(line, result.head)) {
    result.status = HeadStatus::Malformed;
    return result;
  }

  int hosts = 0;
  for (;;) {
    if (!next_line(received, offset, line)) {
      if (received.size() >= max_bytes) result.status = HeadStatus::HeadersTooLarge;
      return result;
    }
    if (offset > max_bytes) {
      result.status = HeadStatus::HeadersTooLarge;
      return result;
    }
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    // A leading SP/HTAB is obsolete line folding; whitespace before ':' is forbidden
    // (RFC 9112 §5.1, §5.2): both are refused rather than guessed at.
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon)) ||
        !is_field_value(line.substr(colon + 1))) {
      result.status = HeadStatus::Malformed;
      return result;
    }
    if (core::iequals(line.substr(0, colon), "host")) ++hosts;
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host gets 400.
  if (result.head.version == "HTTP/1.1" ? hosts != 1 : hosts > 1) {
    result.status = HeadStatus::Malformed;
    return result;
  }
  result.status = HeadStatus::Complete;
  return result;
}

}  // namespace certkeep::challenge
