// SPDX-License-Identifier: Apache-2.0
// HTTP-01 token and key-authorization validation (RFC 8555 §8.1, §8.3): what every solver
// checks before a token reaches a file path, a router or a log line. Input: token '\n' key
// authorization.
#include <cstdint>

#include "challenge/memory_solver.hpp"
#include "challenge/token.hpp"
#include "core/base64url.hpp"
#include "fuzz_check.hpp"

using namespace certkeep;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const std::size_t newline = text.find('\n');
  const std::string_view token = text.substr(0, newline);
  const std::string_view key_authorization =
      newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);

  // The grammar, spelled out independently: ^[A-Za-z0-9_-]{22,512}$.
  const bool valid_token = token.size() >= 22 && token.size() <= 512 && fuzz::all_base64url(token);
  FUZZ_CHECK(challenge::is_valid_token(token) == valid_token, "is_valid_token is the RFC grammar");
  FUZZ_CHECK(core::is_base64url(token) == fuzz::all_base64url(token), "is_base64url is the alphabet");
  if (valid_token) {
    // A valid token is safe as one path segment: no separator, no dot-segment, no escape.
    FUZZ_CHECK(token.find_first_of("/.%\\?#") == std::string_view::npos && token != "..",
               "a valid token cannot leave its directory");
  }

  const bool valid_key_authorization = valid_token && key_authorization.size() == token.size() + 44 &&
                                       key_authorization.substr(0, token.size()) == token &&
                                       key_authorization[token.size()] == '.' &&
                                       fuzz::all_base64url(key_authorization.substr(token.size() + 1));
  FUZZ_CHECK(challenge::is_valid_key_authorization(token, key_authorization) == valid_key_authorization,
             "is_valid_key_authorization is token '.' 43 base64url characters");

  const Challenge challenge{"example.com", std::string(token), std::string(key_authorization)};
  auto checked = challenge::check_http01_challenge(challenge);
  FUZZ_CHECK(checked.has_value() == valid_key_authorization, "check_http01_challenge agrees");
  if (!checked) {
    FUZZ_CHECK(checked.error().code() == Errc::InvalidArgument, "a bad challenge is InvalidArgument");
    // "The message never quotes the rejected text": it is one of two fixed sentences.
    // Each names the challenge type as ACME spells it ("http-01").
    const std::string& message = checked.error().message();
    const std::string type(to_string(challenge.type));
    FUZZ_CHECK(message.starts_with(type + " token is not 22..512 base64url characters (length " +
                                   std::to_string(token.size()) + ")") ||
                   message == type + " key authorization is not \"<token>.<thumbprint>\"",
               "the error does not quote the token or the key authorization");
  }

  // The in-memory solver serves exactly what was presented, at exactly one path.
  challenge::MemorySolver solver;
  auto presented = solver.present(challenge);
  FUZZ_CHECK(presented.has_value() == valid_key_authorization, "present() validates first");
  FUZZ_CHECK(solver.pending() == (valid_key_authorization ? 1u : 0u), "only valid tokens are kept");
  const std::string path = std::string(challenge::kChallengePathPrefix) + std::string(token);
  const std::optional<std::string> answer = solver.answer(path);
  FUZZ_CHECK(answer.has_value() == valid_key_authorization, "a presented token is answered");
  if (answer) {
    FUZZ_CHECK(*answer == key_authorization, "the answer is the key authorization");
    FUZZ_CHECK(!solver.answer(path + "/"), "a trailing slash is another path");
    FUZZ_CHECK(!solver.answer(path + "?x"), "a query is another path");
  }
  solver.cleanup(challenge);
  FUZZ_CHECK(solver.pending() == 0 && !solver.answer(path), "cleanup forgets the token");
  return 0;
}
