// SPDX-License-Identifier: Apache-2.0
#include "challenge/request_head.hpp"

#include <string>

#include <catch2/catch.hpp>

using certkeep::challenge::HeadStatus;
using certkeep::challenge::parse_request_head;

TEST_CASE("a complete request head is parsed with its raw target", "[challenge][request-head]") {
  auto parsed =
      parse_request_head("GET /a%2e?b HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\n\r\n", 1024);
  REQUIRE(parsed.status == HeadStatus::Complete);
  CHECK(parsed.head.method == "GET");
  CHECK(parsed.head.target == "/a%2e?b");
  CHECK(parsed.head.version == "HTTP/1.1");

  // Bare LF line ends, leading empty lines and HTTP/1.0 without Host are accepted.
  CHECK(parse_request_head("\r\n\nHEAD / HTTP/1.0\n\n", 1024).status == HeadStatus::Complete);
  // A body after the head does not matter.
  CHECK(parse_request_head("POST / HTTP/1.1\r\nHost: h\r\n\r\nbody", 1024).status == HeadStatus::Complete);
}

TEST_CASE("a request head waits for its blank line", "[challenge][request-head]") {
  for (const char* partial : {"", "GET", "GET / HTTP/1.1", "GET / HTTP/1.1\r\n",
                              "GET / HTTP/1.1\r\nHost: h\r\n", "GET / HTTP/1.1\r\nHost: h\r\n\r"}) {
    CAPTURE(partial);
    CHECK(parse_request_head(partial, 1024).status == HeadStatus::Incomplete);
  }
}

TEST_CASE("malformed request heads are refused", "[challenge][request-head]") {
  for (const char* bad : {
           "GET /\r\nHost: h\r\n\r\n",                      // no version
           "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",            // double space
           "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",            // trailing space
           "GET / HTTP/2.0\r\nHost: h\r\n\r\n",             // not HTTP/1.x
           "GET / http/1.1\r\nHost: h\r\n\r\n",             // case matters
           "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",             // method is not a token
           "GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n",         // control character in the target
           "GET /\rx HTTP/1.1\r\nHost: h\r\n\r\n",          // bare CR
           "GET / HTTP/1.1\r\nHost h\r\n\r\n",              // no colon
           "GET / HTTP/1.1\r\nHost : h\r\n\r\n",            // space before colon
           "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",  // obsolete line folding
           "GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n",         // control character in a value
           "GET / HTTP/1.1\r\nX: y\r\n\r\n",                // HTTP/1.1 without Host
           "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  // two Hosts
       }) {
    CAPTURE(bad);
    CHECK(parse_request_head(bad, 1024).status == HeadStatus::Malformed);
  }
  // A broken request line is refused before the rest arrives.
  CHECK(parse_request_head("BROKEN\r\n", 1024).status == HeadStatus::Malformed);
}

TEST_CASE("request heads over the size limit are refused", "[challenge][request-head]") {
  const std::string long_target = "GET /" + std::string(200, 'a') + " HTTP/1.1\r\n";
  CHECK(parse_request_head(long_target, 100).status == HeadStatus::TargetTooLong);
  CHECK(parse_request_head(long_target.substr(0, 150), 100).status == HeadStatus::TargetTooLong);
  CHECK(parse_request_head(long_target.substr(0, 50), 100).status == HeadStatus::Incomplete);

  const std::string head = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100, 'b') + "\r\n\r\n";
  CHECK(parse_request_head(head, 100).status == HeadStatus::HeadersTooLarge);
  CHECK(parse_request_head(head.substr(0, 101), 100).status == HeadStatus::HeadersTooLarge);
  CHECK(parse_request_head(head, head.size()).status == HeadStatus::Complete);
  CHECK(parse_request_head(head, head.size() - 1).status == HeadStatus::HeadersTooLarge);
}
