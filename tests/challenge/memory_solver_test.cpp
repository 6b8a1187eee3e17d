// SPDX-License-Identifier: Apache-2.0
#include "challenge/memory_solver.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "challenge/token.hpp"
#include "support/example_challenge.hpp"

using namespace certkeep;
using certkeep::challenge::http01_route;
using certkeep::challenge::kChallengePathPrefix;
using certkeep::challenge::MemorySolver;

using namespace certkeep::testing::rfc8555;

namespace {

std::string target(std::string_view token) { return std::string(kChallengePathPrefix) + std::string(token); }

}  // namespace

TEST_CASE("only an exact challenge target yields a token", "[challenge][memory]") {
  const std::string prefix = "/.well-known/acme-challenge/";
  CHECK(http01_route(prefix + kToken) == kToken);
  CHECK(http01_route(prefix + "AZaz09-_AZaz09-_AZaz09") == "AZaz09-_AZaz09-_AZaz09");
  for (const std::string& raw : std::vector<std::string>{
           prefix, prefix + kToken + "/", prefix + kToken + "?x=1", prefix + kToken + "#f",
           prefix + "../" + kToken, prefix + "%2e%2e%2f" + kToken, prefix + kToken + "%00",
           "/.well-known/acme-challenge//" + kToken, "/.well-known/ACME-challenge/" + kToken,
           "http://example.com" + prefix + kToken, "/.well-known/acme-challenge" + kToken, prefix + "short",
           std::string("")}) {
    CAPTURE(raw);
    CHECK_FALSE(http01_route(raw));
  }
}

TEST_CASE("MemorySolver answers the exact raw target of a pending token only", "[challenge][memory]") {
  MemorySolver solver;
  const Challenge challenge = make_challenge("tok_0123456789abcdefghijkl");
  CHECK_FALSE(solver.answer(target(challenge.token)));
  REQUIRE(solver.present(challenge));
  CHECK(solver.pending() == 1);
  CHECK(solver.answer(target(challenge.token)) == challenge.key_authorization);

  const std::string& t = challenge.token;
  for (const std::string& raw : std::vector<std::string>{
           target(t) + "/", target(t) + "?x=1", target(t) + "#", target("../" + t), target("%2e%2e%2f" + t),
           "/.well-known/acme-challenge/%74ok_0123456789abcdefghijkl", "/.well-known//acme-challenge/" + t,
           "/.well-known/acme-challenge/./" + t, "/x/../.well-known/acme-challenge/" + t,
           "http://example.com" + target(t), "//.well-known/acme-challenge/" + t, target(t.substr(1)),
           target(t + "A"), target(""), std::string("*")}) {
    CAPTURE(raw);
    CHECK_FALSE(solver.answer(raw));
  }

  solver.cleanup(challenge);
  CHECK(solver.pending() == 0);
  CHECK_FALSE(solver.answer(target(challenge.token)));
  solver.cleanup(challenge);  // twice is harmless
}

TEST_CASE("MemorySolver refuses malformed tokens and key authorizations", "[challenge][memory]") {
  MemorySolver solver;
  auto bad_token = solver.present({"example.com", "../../../../etc/passwd", "x." + kThumbprint});
  REQUIRE_FALSE(bad_token);
  CHECK(bad_token.error().code() == Errc::InvalidArgument);
  const std::string token = "tok_0123456789abcdefghijkl";
  auto bad_key_authorization =
      solver.present({"example.com", token, "other_0123456789abcdefgh." + kThumbprint});
  REQUIRE_FALSE(bad_key_authorization);
  CHECK(bad_key_authorization.error().code() == Errc::InvalidArgument);
  CHECK(solver.pending() == 0);
  CHECK_FALSE(solver.answer(target(token)));
}

TEST_CASE("MemorySolver takes concurrent presents, answers and cleanups", "[challenge][memory]") {
  MemorySolver solver;
  constexpr int kThreads = 4;
  constexpr int kTokensPerThread = 200;
  std::atomic<bool> wrong_answer{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kTokensPerThread; ++i) {
        const Challenge c =
            make_challenge("thread" + std::to_string(t) + "_token_" + std::to_string(i) + "_padding_padding");
        if (!solver.present(c)) wrong_answer = true;
        if (solver.answer(target(c.token)) != c.key_authorization) wrong_answer = true;
        if (i % 2 == 0) {
          solver.cleanup(c);
          if (solver.answer(target(c.token))) wrong_answer = true;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK_FALSE(wrong_answer);
  CHECK(solver.pending() == kThreads * kTokensPerThread / 2);
}
