// SPDX-License-Identifier: Apache-2.0
// External Account Binding: MAC keys as CAs hand them out, and the binding's JWS.
#include "acme/external_account.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include "core/base64url.hpp"
#include "crypto/hmac.hpp"

using namespace certkeep;
using namespace certkeep::acme;

namespace {

// Pebble's example key kid-1 (pebble-config-external-account-bindings.json).
constexpr const char* kPebbleKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

std::string member(const rapidjson::Value& object, const char* name) {
  return object.HasMember(name) && object[name].IsString() ? object[name].GetString() : "";
}

}  // namespace

TEST_CASE("a MAC key is read unpadded, padded, in the standard alphabet and with a newline", "[acme][eab]") {
  const std::string raw = core::base64url_decode(kPebbleKey).value();
  CHECK(decode_mac_key(kPebbleKey)->str() == raw);
  CHECK(decode_mac_key(std::string(kPebbleKey) + "\n")->str() == raw);
  // "-_8" is base64url for 0xfb 0xff; padded and standard forms decode to the same bytes.
  CHECK(decode_mac_key("-_8")->str() == std::string("\xfb\xff", 2));
  CHECK(decode_mac_key("-_8=")->str() == std::string("\xfb\xff", 2));
  CHECK(decode_mac_key("+/8=")->str() == std::string("\xfb\xff", 2));
  CHECK(encode_mac_key(core::Secret(raw)).str() == kPebbleKey);
}

TEST_CASE("a bad MAC key is refused without being quoted", "[acme][eab]") {
  for (const char* text : {"", "   ", "not*base64", "a"}) {
    auto key = decode_mac_key(text);
    REQUIRE_FALSE(key);
    CHECK(key.error().code() == Errc::InvalidArgument);
    if (std::string(text).size() > 2) CHECK(key.error().message().find(text) == std::string::npos);
  }
}

TEST_CASE("the binding is a MACed JWS over the account JWK with kid and url and no nonce", "[acme][eab]") {
  const std::string jwk = R"({"crv":"P-256","kty":"EC","x":"abc","y":"def"})";
  for (MacAlgorithm algorithm : {MacAlgorithm::Hs256, MacAlgorithm::Hs384, MacAlgorithm::Hs512}) {
    const ExternalAccountBinding binding{"kid-1", decode_mac_key(kPebbleKey).value(), algorithm};
    auto signed_binding = sign_external_account_binding(binding, jwk, "https://ca.test/new-account");
    REQUIRE(signed_binding);
    rapidjson::Document jws;
    jws.Parse(signed_binding->c_str());
    REQUIRE(jws.IsObject());
    rapidjson::Document header;
    header.Parse(core::base64url_decode(member(jws, "protected")).value().c_str());
    CHECK(member(header, "alg") == to_string(algorithm));
    CHECK(member(header, "kid") == "kid-1");
    CHECK(member(header, "url") == "https://ca.test/new-account");
    CHECK_FALSE(header.HasMember("nonce"));
    CHECK(core::base64url_decode(member(jws, "payload")).value() == jwk);
    const crypto::HmacDigest digest = algorithm == MacAlgorithm::Hs256   ? crypto::HmacDigest::Sha256
                                      : algorithm == MacAlgorithm::Hs384 ? crypto::HmacDigest::Sha384
                                                                         : crypto::HmacDigest::Sha512;
    const std::string mac =
        crypto::hmac(digest, binding.mac_key.view(), member(jws, "protected") + "." + member(jws, "payload"))
            .value();
    CHECK(core::base64url_decode(member(jws, "signature")).value() == mac);
  }
}

TEST_CASE("MAC algorithms parse in either case and nothing else does", "[acme][eab]") {
  CHECK(parse_mac_algorithm("hs256") == MacAlgorithm::Hs256);
  CHECK(parse_mac_algorithm("HS384") == MacAlgorithm::Hs384);
  CHECK(parse_mac_algorithm("Hs512") == MacAlgorithm::Hs512);
  CHECK_FALSE(parse_mac_algorithm("ES256"));
  CHECK_FALSE(parse_mac_algorithm(""));
}
