// SPDX-License-Identifier: Apache-2.0
// What the standalone HTTP-01 responder reads from anyone on the network: the request head
// (parse_request_head) and the request-target routing to a pending token (http01_route,
// MemorySolver::answer). First two bytes: the head size limit.
#include <cstdint>

#include "challenge/memory_solver.hpp"
#include "challenge/request_head.hpp"
#include "challenge/token.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;
using challenge::HeadStatus;

namespace {

constexpr std::string_view kToken = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
constexpr std::string_view kKeyAuthorization =
    "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

const challenge::MemorySolver& solver() {
  static challenge::MemorySolver* instance = [] {
    auto* created = new challenge::MemorySolver();
    auto presented = created->present({"example.com", std::string(kToken), std::string(kKeyAuthorization)});
    FUZZ_CHECK(presented.has_value(), "present the fixed token");
    return created;
  }();
  return *instance;
}

bool visible(std::string_view text) {
  for (char c : text)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

void check_route(std::string_view target) {
  const std::optional<std::string> token = challenge::http01_route(target);
  if (token) {
    // Nothing is decoded or normalised: the target is exactly prefix + a valid token.
    FUZZ_CHECK(challenge::is_valid_token(*token), "a routed token is valid");
    FUZZ_CHECK(std::string(challenge::kChallengePathPrefix) + *token == target,
               "a routed target is exactly the prefix and the token");
  }
  const std::optional<std::string> answer = solver().answer(target);
  FUZZ_CHECK(answer.has_value() == (token && *token == kToken),
             "only the pending token's own path is answered");
  if (answer) FUZZ_CHECK(*answer == kKeyAuthorization, "the answer is the key authorization");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_bytes = 16 + ((data[0] << 8 | data[1]) % 8192);
  const std::string_view received = fuzz::as_text(data + 2, size - 2);
  check_route(received);

  const challenge::HeadParse parsed = challenge::parse_request_head(received, max_bytes);
  if (parsed.status == HeadStatus::Incomplete)
    FUZZ_CHECK(received.size() < max_bytes, "a client cannot make the server buffer past the limit");
  if (parsed.status != HeadStatus::Complete) return 0;

  const challenge::RequestHead& head = parsed.head;
  FUZZ_CHECK(head.version == "HTTP/1.1" || head.version == "HTTP/1.0", "only HTTP/1.0 and 1.1");
  FUZZ_CHECK(!head.method.empty() && visible(head.method), "the method is a token");
  FUZZ_CHECK(!head.target.empty() && visible(head.target), "the target has no spaces or controls");
  FUZZ_CHECK(received.find(" " + head.target + " ") != std::string_view::npos,
             "the target is raw, exactly as received");
  check_route(head.target);

  // The head ends at its blank line: a complete head is complete whatever follows it (the
  // responder never reads bodies).
  std::string with_more(received);
  with_more += "trailing body bytes\r\n\r\n";
  const challenge::HeadParse longer = challenge::parse_request_head(with_more, max_bytes);
  FUZZ_CHECK(longer.status == HeadStatus::Complete && longer.head.target == head.target &&
                 longer.head.method == head.method && longer.head.version == head.version,
             "bytes after the head change nothing");

  // Arrival in pieces: a strict prefix of a good head is Incomplete, or Complete with the same
  // head, never a premature verdict (Malformed, too large) on bytes that have not arrived.
  for (std::size_t cut : {std::size_t{1}, received.size() / 3, received.size() / 2, received.size() - 1}) {
    if (cut == 0 || cut >= received.size()) continue;
    const challenge::HeadParse prefix = challenge::parse_request_head(received.substr(0, cut), max_bytes);
    FUZZ_CHECK(prefix.status == HeadStatus::Incomplete ||
                   (prefix.status == HeadStatus::Complete && prefix.head.target == head.target),
               "a prefix of a good head is Incomplete (or the same Complete head)");
  }
  return 0;
}
