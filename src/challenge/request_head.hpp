// SPDX-License-Identifier: Apache-2.0
// The head of an HTTP/1.1 request (RFC 9112 §2-§5), parsed strictly enough for the HTTP-01
// responder: request line, header field syntax, one Host, and a size limit. Bodies are never
// read: the responder closes every connection after one answer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace certkeep::challenge {

struct RequestHead {
  std::string method;
  std::string target;   // raw request-target, exactly as received
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
};

enum class HeadStatus {
  Incomplete,       // need more bytes
  Complete,         // `head` is filled in
  Malformed,        // → 400
  TargetTooLong,    // the request line alone exceeds the limit → 414
  HeadersTooLarge,  // request line + headers exceed the limit → 431
};

struct HeadParse {
  HeadStatus status = HeadStatus::Incomplete;
  RequestHead head;
};

// Parses `received` (everything read so far). `max_bytes` bounds the whole head including the
// blank line that ends it. Lines end in CRLF; a bare LF is accepted (RFC 9112 §2.2), a bare
// CR is not. Empty lines before the request line are skipped (RFC 9112 §2.2). Obsolete line
// folding, whitespace before a colon, control characters, an HTTP/1.1 request without exactly
// one Host, and versions other than HTTP/1.0 and HTTP/1.1 are Malformed.
HeadParse parse_request_head(std::string_view received, std::size_t max_bytes);

}  // namespace certkeep::challenge
