// SPDX-License-Identifier: Apache-2.0
#include "core/base64url.hpp"

#include <catch2/catch.hpp>

using certkeep::core::base64url_decode;
using certkeep::core::base64url_encode;

TEST_CASE("base64url encodes the RFC 4648 test vectors without padding", "[core][base64url]") {
  CHECK(base64url_encode("") == "");
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("fo") == "Zm8");
  CHECK(base64url_encode("foo") == "Zm9v");
  CHECK(base64url_encode("foob") == "Zm9vYg");
  CHECK(base64url_encode("fooba") == "Zm9vYmE");
  CHECK(base64url_encode("foobar") == "Zm9vYmFy");
  CHECK(base64url_encode(std::string("\xfb\xff", 2)) == "-_8");
}

TEST_CASE("base64url round-trips every byte value", "[core][base64url]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    auto decoded = base64url_decode(base64url_encode(all.substr(0, n)));
    REQUIRE(decoded);
    CHECK(*decoded == all.substr(0, n));
  }
}

TEST_CASE("base64url refuses padding, other alphabets and impossible lengths", "[core][base64url]") {
  CHECK_FALSE(base64url_decode("Zg=="));
  CHECK_FALSE(base64url_decode("+/8"));
  CHECK_FALSE(base64url_decode("Z"));
  CHECK_FALSE(base64url_decode("Zh"));  // non-zero trailing bits
  CHECK(base64url_decode("Zg").value() == "f");
}
