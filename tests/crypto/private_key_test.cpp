// SPDX-License-Identifier: Apache-2.0
#include "crypto/private_key.hpp"

#include <catch2/catch.hpp>

#include "crypto/openssl_handles.hpp"
#include "crypto_test_util.hpp"

using namespace certkeep;
using namespace certkeep::crypto;

namespace {

std::string write_pem(EVP_PKEY* key, bool traditional) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  int ok = traditional
               ? PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                                      nullptr)
               : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  REQUIRE(ok == 1);
  BUF_MEM* memory = nullptr;
  BIO_get_mem_ptr(bio.get(), &memory);
  return std::string(memory->data, memory->length);
}

EvpPkeyPtr generate_raw(const char* algorithm, const char* group_or_null, int rsa_bits) {
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  REQUIRE(EVP_PKEY_keygen_init(context.get()) == 1);
  if (group_or_null != nullptr)
    REQUIRE(EVP_PKEY_CTX_set_group_name(context.get(), group_or_null) == 1);
  if (rsa_bits != 0) REQUIRE(EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), rsa_bits) == 1);
  EVP_PKEY* key = nullptr;
  REQUIRE(EVP_PKEY_generate(context.get(), &key) == 1);
  return EvpPkeyPtr(key);
}

}  // namespace

TEST_CASE("every key type survives a PKCS#8 PEM round trip", "[crypto][key]") {
  KeyType type = GENERATE(KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Rsa2048,
                          KeyType::Rsa3072, KeyType::Rsa4096);
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
