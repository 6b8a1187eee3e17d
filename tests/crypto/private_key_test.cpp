// SPDX-License-Identifier: Apache-2.0
#include "crypto/private_key.hpp"

#include <catch2/catch.hpp>

#include <openssl/core_names.h>

#include "crypto/ec_key_pkcs8.hpp"
#include "crypto/openssl_handles.hpp"
#include "crypto_test_util.hpp"

using namespace certkeep;
using namespace certkeep::crypto;

namespace {

std::string write_pem(EVP_PKEY* key, bool traditional) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  int ok = traditional
               ? PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
               : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  REQUIRE(ok == 1);
  BUF_MEM* memory = nullptr;
  BIO_get_mem_ptr(bio.get(), &memory);
  return std::string(memory->data, memory->length);
}

EvpPkeyPtr generate_raw(const char* algorithm, const char* group_or_null, int rsa_bits) {
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  REQUIRE(EVP_PKEY_keygen_init(context.get()) == 1);
  if (group_or_null != nullptr) REQUIRE(EVP_PKEY_CTX_set_group_name(context.get(), group_or_null) == 1);
  if (rsa_bits != 0) REQUIRE(EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), rsa_bits) == 1);
  EVP_PKEY* key = nullptr;
  REQUIRE(EVP_PKEY_generate(context.get(), &key) == 1);
  return EvpPkeyPtr(key);
}

}  // namespace

TEST_CASE("every key type survives a PKCS#8 PEM round trip", "[crypto][key]") {
  KeyType type =
      GENERATE(KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096);
  CAPTURE(to_string(type));
  const PrivateKey& key = test::cached_key(type);
  CHECK(key.type() == type);

  auto pem = key.to_pem();
  REQUIRE(pem);
  CHECK(pem->view().rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
  CHECK(pem->view().find("-----END PRIVATE KEY-----\n") != std::string_view::npos);

  auto again = PrivateKey::from_pem(pem->view());
  REQUIRE(again);
  CHECK(again->type() == type);
  CHECK(again->public_key_der() == key.public_key_der());
  CHECK(EVP_PKEY_eq(again->handle(), key.handle()) == 1);
  // The private half came back too: the same PEM again.
  CHECK(again->to_pem().value() == *pem);
}

TEST_CASE("EC keys are written as PKCS#8 byte for byte like OpenSSL's encoder", "[crypto][key]") {
  KeyType type = GENERATE(KeyType::EcdsaP256, KeyType::EcdsaP384);
  CAPTURE(to_string(type));
  // Several keys, so scalars with leading zero bytes (1 in 256 per key) are likely among them.
  for (int i = 0; i < 64; ++i) {
    auto key = PrivateKey::generate(type);
    REQUIRE(key);
    const std::optional<core::Secret> ours = ec_key_pkcs8_pem(key->handle(), type);
    REQUIRE(ours.has_value());
    CHECK(ours->str() == write_pem(key->handle(), false));
    CHECK(key->to_pem().value() == *ours);
  }
}

TEST_CASE("keys the EC writer does not handle go to OpenSSL's encoder", "[crypto][key]") {
  const PrivateKey& rsa = test::cached_key(KeyType::Rsa2048);
  CHECK_FALSE(ec_key_pkcs8_pem(rsa.handle(), KeyType::Rsa2048).has_value());
  CHECK(rsa.to_pem().value().str() == write_pem(rsa.handle(), false));
  // A P-256 key presented as P-384 does not fit the P-384 layout.
  const PrivateKey& p256 = test::cached_key(KeyType::EcdsaP256);
  CHECK_FALSE(ec_key_pkcs8_pem(p256.handle(), KeyType::EcdsaP384).has_value());
  // An EC key whose public point is compressed: OpenSSL writes it compressed; so do we.
  EvpPkeyPtr compressed = generate_raw("EC", "P-256", 0);
  REQUIRE(EVP_PKEY_set_utf8_string_param(compressed.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                         OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED) == 1);
  CHECK_FALSE(ec_key_pkcs8_pem(compressed.get(), KeyType::EcdsaP256).has_value());
  auto parsed = PrivateKey::from_pem(write_pem(compressed.get(), false));
  REQUIRE(parsed);
  CHECK(parsed->to_pem().value().str() == write_pem(parsed->handle(), false));
}

TEST_CASE("generated keys have the requested algorithm and size", "[crypto][key]") {
  CHECK(EVP_PKEY_get_base_id(test::cached_key(KeyType::EcdsaP256).handle()) == EVP_PKEY_EC);
  CHECK(EVP_PKEY_get_bits(test::cached_key(KeyType::EcdsaP256).handle()) == 256);
  CHECK(EVP_PKEY_get_bits(test::cached_key(KeyType::EcdsaP384).handle()) == 384);
  CHECK(EVP_PKEY_get_base_id(test::cached_key(KeyType::Rsa2048).handle()) == EVP_PKEY_RSA);
  CHECK(EVP_PKEY_get_bits(test::cached_key(KeyType::Rsa2048).handle()) == 2048);
  CHECK(EVP_PKEY_get_bits(test::cached_key(KeyType::Rsa3072).handle()) == 3072);
}

TEST_CASE("two generated keys differ", "[crypto][key]") {
  auto a = PrivateKey::generate(KeyType::EcdsaP256);
  auto b = PrivateKey::generate(KeyType::EcdsaP256);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->public_key_der() != b->public_key_der());
}

TEST_CASE("from_pem accepts traditional (SEC1/PKCS#1) PEM", "[crypto][key]") {
  KeyType type = GENERATE(KeyType::EcdsaP256, KeyType::Rsa2048);
  const PrivateKey& key = test::cached_key(type);
  std::string traditional = write_pem(key.handle(), true);
  CHECK(traditional.find("BEGIN PRIVATE KEY") == std::string::npos);
  auto parsed = PrivateKey::from_pem(traditional);
  REQUIRE(parsed);
  CHECK(parsed->type() == type);
  CHECK(parsed->public_key_der() == key.public_key_der());
}

TEST_CASE("from_pem refuses what is not a supported private key", "[crypto][key]") {
  SECTION("garbage") {
    auto parsed = PrivateKey::from_pem("this is not a key");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == Errc::Crypto);
  }
  SECTION("empty") { CHECK_FALSE(PrivateKey::from_pem("")); }
  SECTION("truncated PEM") {
    std::string pem = test::cached_key(KeyType::EcdsaP256).to_pem().value().str();
    CHECK_FALSE(PrivateKey::from_pem(pem.substr(0, pem.size() / 2)));
  }
  SECTION("corrupted base64") {
    std::string pem = test::cached_key(KeyType::EcdsaP256).to_pem().value().str();
    pem[40] = '!';
    CHECK_FALSE(PrivateKey::from_pem(pem));
  }
  SECTION("a certificate") {
    auto ca = create_private_ca("Not a key", std::chrono::hours(1)).value();
    auto parsed = PrivateKey::from_pem(ca.cert_pem);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == Errc::Crypto);
  }
  SECTION("an unsupported curve") {
    EvpPkeyPtr p521 = generate_raw("EC", "P-521", 0);
    auto parsed = PrivateKey::from_pem(write_pem(p521.get(), false));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == Errc::Crypto);
  }
  SECTION("an unsupported algorithm") {
    EvpPkeyPtr ed25519 = generate_raw("ED25519", nullptr, 0);
    CHECK_FALSE(PrivateKey::from_pem(write_pem(ed25519.get(), false)));
  }
  SECTION("an RSA key of an unsupported size") {
    EvpPkeyPtr rsa1024 = generate_raw("RSA", nullptr, 1024);
    CHECK_FALSE(PrivateKey::from_pem(write_pem(rsa1024.get(), false)));
  }
  SECTION("an encrypted key, without prompting for a passphrase") {
    BioPtr bio(BIO_new(BIO_s_mem()));
    const char passphrase[] = "secret";
    REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio.get(), test::cached_key(KeyType::EcdsaP256).handle(),
                                          EVP_aes_128_cbc(), passphrase, 6, nullptr, nullptr) == 1);
    BUF_MEM* memory = nullptr;
    BIO_get_mem_ptr(bio.get(), &memory);
    std::string encrypted(memory->data, memory->length);
    REQUIRE(encrypted.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
    CHECK_FALSE(PrivateKey::from_pem(encrypted));
  }
}

TEST_CASE("copies of a PrivateKey share the key", "[crypto][key]") {
  PrivateKey copy = test::cached_key(KeyType::EcdsaP256);
  CHECK(copy.handle() == test::cached_key(KeyType::EcdsaP256).handle());
  CHECK(copy.public_key_der() == test::cached_key(KeyType::EcdsaP256).public_key_der());
}
