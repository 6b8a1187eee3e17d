// SPDX-License-Identifier: Apache-2.0
// Bring-your-own CSRs: read from PEM or DER, checked, their names and key taken.
#include "crypto/csr_file.hpp"

#include <catch2/catch.hpp>

#include "crypto/certificate.hpp"
#include "crypto/csr.hpp"
#include "crypto_test_util.hpp"

using namespace certkeep;
using namespace certkeep::crypto;

namespace {

std::string to_pem(const std::string& der) {
  X509ReqPtr request = test::parse_csr(der);
  REQUIRE(request);
  BioPtr out(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509_REQ(out.get(), request.get()) == 1);
  char* data = nullptr;
  const long length = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

// A request with only a subject CN, made with OpenSSL directly.
std::string cn_only_csr(const PrivateKey& key, const std::string& cn) {
  X509ReqPtr request(X509_REQ_new());
  X509_NAME* subject = X509_REQ_get_subject_name(request.get());
  REQUIRE(X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8, test::bytes_of(cn),
                                     static_cast<int>(cn.size()), -1, 0) == 1);
  REQUIRE(X509_REQ_set_pubkey(request.get(), key.handle()) == 1);
  REQUIRE(X509_REQ_sign(request.get(), key.handle(), EVP_sha256()) > 0);
  unsigned char* der = nullptr;
  const int length = i2d_X509_REQ(request.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

}  // namespace

TEST_CASE("a CSR is read from DER and PEM with its names and public key", "[crypto][csr]") {
  const PrivateKey& key = test::cached_key(KeyType::EcdsaP256);
  const std::vector<std::string> names{"a.example.com", "192.0.2.1", "2001:db8::1"};
  const std::string der = make_csr_der(key, names).value();
  for (const std::string& input : {der, to_pem(der)}) {
    auto info = read_csr(input);
    REQUIRE(info);
    CHECK(info->names == names);
    CHECK(info->der == der);
    CHECK(info->pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
    CHECK(same_public_key(info->public_key_der, key.public_key_der()));
    CHECK_FALSE(same_public_key(info->public_key_der, test::cached_key(KeyType::EcdsaP384).public_key_der()));
  }
}

TEST_CASE("a CSR without a SAN names its subject CN", "[crypto][csr]") {
  auto info = read_csr(cn_only_csr(test::cached_key(KeyType::Rsa2048), "legacy.example.com"));
  REQUIRE(info);
  CHECK(info->names == std::vector<std::string>{"legacy.example.com"});
}

TEST_CASE("a CSR whose signature does not verify, garbage or trailing bytes are refused", "[crypto][csr]") {
  std::string der = make_csr_der(test::cached_key(KeyType::EcdsaP256), {"a.example.com"}).value();
  std::string tampered = der;
  tampered[tampered.size() - 3] ^= 0x01;  // inside the signature
  auto bad_signature = read_csr(tampered);
  REQUIRE_FALSE(bad_signature);
  CHECK(bad_signature.error().code() == Errc::InvalidArgument);
  CHECK_THAT(bad_signature.error().message(), Catch::Contains("signature"));
  CHECK_FALSE(read_csr("hello"));
  CHECK_FALSE(read_csr(""));
  CHECK_FALSE(read_csr(der + "x"));
  CHECK_FALSE(read_csr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"));
}

TEST_CASE("a certificate is checked against the CSR's public key", "[crypto][csr]") {
  const PrivateKey& key = test::cached_key(KeyType::EcdsaP256);
  auto ca = create_private_ca("Test CSR Root", std::chrono::days(30)).value();
  const auto now = std::chrono::system_clock::now();
  const std::string der = make_csr_der(key, {"a.example.com", "192.0.2.1"}).value();
  const std::string leaf = issue_certificate_for_csr(ca, der, now, now + std::chrono::hours(1)).value();
  auto info = read_csr(der).value();
  CHECK(check_public_key_matches_certificate(info.public_key_der, leaf));
  CHECK_FALSE(
      check_public_key_matches_certificate(test::cached_key(KeyType::Rsa2048).public_key_der(), leaf));
  auto certificate = inspect_certificate(leaf).value();
  CHECK(certificate.dns_names == std::vector<std::string>{"a.example.com"});
  CHECK(certificate.ip_addresses == std::vector<std::string>{"192.0.2.1"});
}

TEST_CASE("a CSR for an IP address has it as iPAddress and no CN", "[crypto][csr]") {
  const std::string der = make_csr_der(test::cached_key(KeyType::EcdsaP256), {"192.0.2.1"}).value();
  X509ReqPtr request = test::parse_csr(der);
  REQUIRE(request);
  CHECK(X509_NAME_entry_count(X509_REQ_get_subject_name(request.get())) == 0);
  CHECK(read_csr(der)->names == std::vector<std::string>{"192.0.2.1"});
}
