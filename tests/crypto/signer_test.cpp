// SPDX-License-Identifier: Apache-2.0
#include "crypto/signer.hpp"

#include <regex>

#include <openssl/core_names.h>
#include <catch2/catch.hpp>

#include "core/base64url.hpp"
#include "crypto/jwk.hpp"
#include "crypto_test_util.hpp"

using namespace certkeep;
using namespace certkeep::crypto;

namespace {

std::string member(const std::string& json, const std::string& name) {
  std::smatch match;
  std::regex pattern("\"" + name + "\":\"([^\"]*)\"");
  REQUIRE(std::regex_search(json, match, pattern));
  return match[1];
}

std::string bignum_bytes(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key, name, &raw) == 1);
  BignumPtr number(raw);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(number.get())), '\0');
  BN_bn2bin(number.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return bytes;
}

std::string strip_leading_zeros(std::string bytes) {
  std::size_t first = bytes.find_first_not_of('\0');
  return first == std::string::npos ? std::string() : bytes.substr(first);
}

}  // namespace

TEST_CASE("Signer signatures verify with OpenSSL for every JWS algorithm", "[crypto][signer]") {
  auto [type, alg, signature_size] = GENERATE(table<KeyType, std::string, std::size_t>({
      {KeyType::EcdsaP256, "ES256", 64},
      {KeyType::EcdsaP384, "ES384", 96},
      {KeyType::Rsa2048, "RS256", 256},
  }));
  CAPTURE(alg);
  auto signer = Signer::create(test::cached_key(type));
  REQUIRE(signer);
  CHECK(signer->alg() == alg);

  const std::string input = "eyJhbGciOiJFUzI1NiJ9.eyJwYXlsb2FkIjp0cnVlfQ";
  // ECDSA signatures are randomized: sign several times so a short R or S (padded) turns up
  // in some runs, and each must verify.
  for (int i = 0; i < 8; ++i) {
    auto signature = signer->sign(input);
    REQUIRE(signature);
    CHECK(signature->size() == signature_size);
    CHECK(test::verify_jws_signature(signer->key(), alg, input, *signature));
    CHECK_FALSE(test::verify_jws_signature(signer->key(), alg, input + "x", *signature));
  }
}

TEST_CASE("a signature from one key does not verify with another", "[crypto][signer]") {
  auto signer = Signer::create(test::cached_key(KeyType::EcdsaP256)).value();
  auto other = PrivateKey::generate(KeyType::EcdsaP256).value();
  std::string signature = signer.sign("payload").value();
  CHECK(test::verify_jws_signature(signer.key(), "ES256", "payload", signature));
  CHECK_FALSE(test::verify_jws_signature(other, "ES256", "payload", signature));
}

TEST_CASE("EC JWKs are canonical with fixed-size coordinates", "[crypto][signer][jwk]") {
  auto [type, curve, size] = GENERATE(table<KeyType, std::string, std::size_t>({
      {KeyType::EcdsaP256, "P-256", 32},
      {KeyType::EcdsaP384, "P-384", 48},
  }));
  CAPTURE(curve);
  auto signer = Signer::create(test::cached_key(type)).value();
  const std::string& jwk = signer.jwk_json();
  std::regex canonical(R"re(\{"crv":"P-(256|384)","kty":"EC","x":"[A-Za-z0-9_-]+","y":"[A-Za-z0-9_-]+"\})re");
  CHECK(std::regex_match(jwk, canonical));
  CHECK(member(jwk, "crv") == curve);

  std::string x = core::base64url_decode(member(jwk, "x")).value();
  std::string y = core::base64url_decode(member(jwk, "y")).value();
  CHECK(x.size() == size);
  CHECK(y.size() == size);
  // The coordinates are the key's own (compared without padding).
  const EVP_PKEY* key = signer.key().handle();
  CHECK(strip_leading_zeros(x) == bignum_bytes(key, OSSL_PKEY_PARAM_EC_PUB_X));
  CHECK(strip_leading_zeros(y) == bignum_bytes(key, OSSL_PKEY_PARAM_EC_PUB_Y));
  CHECK(signer.thumbprint() == jwk_thumbprint(jwk));
}

TEST_CASE("RSA JWKs are canonical with the key's modulus and exponent", "[crypto][signer][jwk]") {
  auto signer = Signer::create(test::cached_key(KeyType::Rsa2048)).value();
  const std::string& jwk = signer.jwk_json();
  std::regex canonical(R"re(\{"e":"[A-Za-z0-9_-]+","kty":"RSA","n":"[A-Za-z0-9_-]+"\})re");
  CHECK(std::regex_match(jwk, canonical));
  CHECK(member(jwk, "e") == "AQAB");
  std::string n = core::base64url_decode(member(jwk, "n")).value();
  CHECK(n.size() == 256);
  CHECK(n[0] != '\0');  // RFC 7518 §6.3.1.1: no leading zero octet
  CHECK(n == bignum_bytes(signer.key().handle(), OSSL_PKEY_PARAM_RSA_N));
  CHECK(signer.thumbprint() == jwk_thumbprint(jwk));
  CHECK(signer.thumbprint().size() == 43);
}

TEST_CASE("the JWK and thumbprint survive a PEM round trip of the key", "[crypto][signer][jwk]") {
  const PrivateKey& key = test::cached_key(KeyType::EcdsaP384);
  auto reloaded = PrivateKey::from_pem(key.to_pem().value().view()).value();
  auto a = Signer::create(key).value();
  auto b = Signer::create(reloaded).value();
  CHECK(a.jwk_json() == b.jwk_json());
  CHECK(a.thumbprint() == b.thumbprint());
  auto other = Signer::create(PrivateKey::generate(KeyType::EcdsaP384).value()).value();
  CHECK(other.thumbprint() != a.thumbprint());
}
