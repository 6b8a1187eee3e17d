// SPDX-License-Identifier: Apache-2.0
#include "crypto/hmac.hpp"

#include <catch2/catch.hpp>

#include "core/base64url.hpp"

using namespace certkeep;

namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

}  // namespace

TEST_CASE("HMAC matches RFC 4231 test case 2 for SHA-256, SHA-384 and SHA-512", "[crypto][hmac]") {
  const std::string key = "Jefe";
  const std::string data = "what do ya want for nothing?";
  CHECK(hex(crypto::hmac(crypto::HmacDigest::Sha256, key, data).value()) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(hex(crypto::hmac(crypto::HmacDigest::Sha384, key, data).value()) ==
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
        "8e2240ca5e69e2c78b3239ecfab21649");
  CHECK(hex(crypto::hmac(crypto::HmacDigest::Sha512, key, data).value()) ==
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST_CASE("HMAC refuses an empty key", "[crypto][hmac]") {
  auto mac = crypto::hmac(crypto::HmacDigest::Sha256, "", "data");
  REQUIRE_FALSE(mac);
  CHECK(mac.error().code() == Errc::InvalidArgument);
}
