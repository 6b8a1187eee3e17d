// SPDX-License-Identifier: Apache-2.0
#include "crypto/csr.hpp"

#include <catch2/catch.hpp>

#include "crypto_test_util.hpp"

using namespace certkeep;
using namespace certkeep::crypto;

namespace {

std::vector<std::string> san_dns_names(X509_REQ* request) {
  X509ExtensionStackPtr extensions(X509_REQ_get_extensions(request));
  REQUIRE(extensions);
  int critical = -1;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(extensions.get(), NID_subject_alt_name, &critical, nullptr)));
  REQUIRE(names);
  std::vector<std::string> result;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    REQUIRE(name->type == GEN_DNS);
    result.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                        static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
  }
  return result;
}

std::string subject_cn(X509_REQ* request) {
  X509_NAME* subject = X509_REQ_get_subject_name(request);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<std::size_t>(ASN1_STRING_length(value)));
}

}  // namespace

TEST_CASE("make_csr_der builds a signed CSR with every name", "[crypto][csr]") {
  KeyType type = GENERATE(KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Rsa2048);
  CAPTURE(to_string(type));
  const PrivateKey& key = test::cached_key(type);
  std::vector<std::string> names{"example.com", "www.example.com", "*.api.example.com"};
  auto der = make_csr_der(key, names);
  REQUIRE(der);

  X509ReqPtr request = test::parse_csr(*der);
  REQUIRE(request);
  CHECK(san_dns_names(request.get()) == names);
  CHECK(subject_cn(request.get()) == "example.com");
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(request.get());
  REQUIRE(public_key != nullptr);
  CHECK(EVP_PKEY_eq(public_key, key.handle()) == 1);
  CHECK(X509_REQ_verify(request.get(), public_key) == 1);
  // Byte for byte the SubjectPublicKeyInfo OpenSSL's own encoder writes for the key.
  unsigned char* spki = nullptr;
  const int spki_length = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(request.get()), &spki);
  REQUIRE(spki_length > 0);
  CHECK(std::string(reinterpret_cast<const char*>(spki), static_cast<std::size_t>(spki_length)) ==
        key.public_key_der());
  OPENSSL_free(spki);
  CHECK(X509_REQ_get_signature_nid(request.get()) ==
        (type == KeyType::Rsa2048 ? NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA256));
}

TEST_CASE("make_csr_der leaves out a common name longer than 64 bytes", "[crypto][csr]") {
  std::string long_name = std::string(60, 'a') + ".example.com";
  REQUIRE(long_name.size() > 64);
  auto der = make_csr_der(test::cached_key(KeyType::EcdsaP256), {long_name, "short.example.com"});
  REQUIRE(der);
  X509ReqPtr request = test::parse_csr(*der);
  REQUIRE(request);
  CHECK(subject_cn(request.get()).empty());
  CHECK(san_dns_names(request.get()) == std::vector<std::string>{long_name, "short.example.com"});
}

TEST_CASE("make_csr_der refuses an empty name list", "[crypto][csr]") {
  auto der = make_csr_der(test::cached_key(KeyType::EcdsaP256), {});
  REQUIRE_FALSE(der);
  CHECK(der.error().code() == Errc::InvalidArgument);
}

TEST_CASE("make_csr_der refuses names with control characters", "[crypto][csr]") {
  auto der = make_csr_der(test::cached_key(KeyType::EcdsaP256), {"a.example.com", "b\n.example.com"});
  REQUIRE_FALSE(der);
  CHECK(der.error().code() == Errc::InvalidArgument);
}
