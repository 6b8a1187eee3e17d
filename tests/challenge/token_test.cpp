// SPDX-License-Identifier: Apache-2.0
#include "challenge/token.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "support/example_challenge.hpp"

using namespace certkeep;
using certkeep::challenge::check_http01_challenge;
using certkeep::challenge::is_valid_key_authorization;
using certkeep::challenge::is_valid_token;

using namespace certkeep::testing::rfc8555;

TEST_CASE("tokens are 22..512 base64url characters", "[challenge][token]") {
  CHECK(is_valid_token(kToken));
  CHECK(is_valid_token(std::string(22, 'a')));
  CHECK(is_valid_token(std::string(512, '_')));
  CHECK(is_valid_token("AZaz09-_AZaz09-_AZaz09"));
  CHECK_FALSE(is_valid_token(std::string(21, 'a')));
  CHECK_FALSE(is_valid_token(std::string(513, 'a')));
  CHECK_FALSE(is_valid_token(""));
  const std::string base(30, 'a');
  for (const char* bad : {"=", ".", "/", "%", "+", " ", "?", "#", "\n", "\x80"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_token(base + bad));
    CHECK_FALSE(is_valid_token(bad + base));
  }
  CHECK_FALSE(is_valid_token(std::string("aaaaaaaaaaaaaaaaaaaaaa\0b", 24)));
}

TEST_CASE("key authorizations are the token, a dot and a 43-character thumbprint", "[challenge][token]") {
  CHECK(is_valid_key_authorization(kToken, kToken + "." + kThumbprint));
  CHECK_FALSE(is_valid_key_authorization(kToken, kToken + "." + kThumbprint + "A"));
  CHECK_FALSE(is_valid_key_authorization(kToken, kToken + "." + kThumbprint.substr(1)));
  CHECK_FALSE(is_valid_key_authorization(kToken, kToken + ":" + kThumbprint));
  CHECK_FALSE(is_valid_key_authorization(kToken, kToken + "." + kThumbprint.substr(1) + "="));
  CHECK_FALSE(is_valid_key_authorization(kToken, kToken + "." + kThumbprint.substr(1) + "/"));
  CHECK_FALSE(is_valid_key_authorization(kToken, std::string("X").append(kToken, 1) + "." + kThumbprint));
  CHECK_FALSE(is_valid_key_authorization(kToken, kToken + ".thumb"));
  CHECK_FALSE(is_valid_key_authorization("short", std::string("short.") + kThumbprint));
  CHECK_FALSE(is_valid_key_authorization(kToken, ""));
}

TEST_CASE("check_http01_challenge refuses a bad token or key authorization with InvalidArgument",
          "[challenge][token]") {
  CHECK(check_http01_challenge({"example.com", kToken, kToken + "." + kThumbprint}));
  auto bad_token = check_http01_challenge({"example.com", "../../etc/passwd-aaaaaaaaaaaa", "x"});
  REQUIRE_FALSE(bad_token);
  CHECK(bad_token.error().code() == Errc::InvalidArgument);
  CHECK(bad_token.error().message().find("passwd") == std::string::npos);  // never echoed
  auto bad_key_authorization = check_http01_challenge({"example.com", kToken, kToken + ".x"});
  REQUIRE_FALSE(bad_key_authorization);
  CHECK(bad_key_authorization.error().code() == Errc::InvalidArgument);
}
