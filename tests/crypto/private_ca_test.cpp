// SPDX-License-Identifier: Apache-2.0
#include "crypto/private_ca.hpp"

#include <catch2/catch.hpp>

#include "crypto/certificate.hpp"
#include "crypto/csr.hpp"
#include "crypto_test_util.hpp"

using namespace certkeep;
using namespace certkeep::crypto;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::system_clock;

Clock::time_point whole_seconds(Clock::time_point t) { return std::chrono::floor<std::chrono::seconds>(t); }

std::vector<std::string> ip_addresses(X509* certificate) {
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  std::vector<std::string> result;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_IPADD) continue;
    result.emplace_back(reinterpret_cast<const char*>(name->d.iPAddress->data),
                        static_cast<std::size_t>(name->d.iPAddress->length));
  }
  return result;
}

}  // namespace

TEST_CASE("create_private_ca makes a self-signed P-256 root", "[crypto][private_ca]") {
  auto before = whole_seconds(Clock::now());
  auto ca = create_private_ca("certkeep private CA", 24h * 365);
  REQUIRE(ca);
  CHECK(ca->key.type() == KeyType::EcdsaP256);
  CHECK(check_key_matches_certificate(ca->key, ca->cert_pem));

  X509Ptr root = test::parse_certificate(ca->cert_pem);
  REQUIRE(root);
  CHECK(X509_check_ca(root.get()) == 1);
  CHECK((X509_get_key_usage(root.get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) ==
        (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK(X509_get0_subject_key_id(root.get()) != nullptr);
  CHECK(X509_check_issued(root.get(), root.get()) == X509_V_OK);
  CHECK(verify_chain(ca->cert_pem, "", ca->cert_pem));

  auto info = inspect_certificate(ca->cert_pem).value();
  CHECK(info.subject_cn == "certkeep private CA");
  CHECK(info.not_before <= before - 1h + 1s);
  CHECK(info.not_before >= before - 1h - 2s);
  CHECK(info.not_after == info.not_before + 24h * 365);
}

TEST_CASE("create_private_ca refuses a bad name or validity", "[crypto][private_ca]") {
  CHECK(create_private_ca("", 1h).error().code() == Errc::InvalidArgument);
  CHECK(create_private_ca(std::string(65, 'x'), 1h).error().code() == Errc::InvalidArgument);
  CHECK(create_private_ca("ok", 0s).error().code() == Errc::InvalidArgument);
}

TEST_CASE("issue_leaf_certificate makes a TLS server certificate", "[crypto][private_ca]") {
  auto ca = create_private_ca("Leaf issuer", 24h).value();
  const PrivateKey& key = test::cached_key(KeyType::Rsa2048);
  auto now = whole_seconds(Clock::now());
  auto pem = issue_leaf_certificate(ca, key, {"host.example.com", "127.0.0.1", "::1"}, now, now + 24h);
  REQUIRE(pem);
  CHECK(verify_chain(*pem, "", ca.cert_pem));
  CHECK(check_key_matches_certificate(key, *pem));

  X509Ptr leaf = test::parse_certificate(*pem);
  REQUIRE(leaf);
  CHECK(X509_check_ca(leaf.get()) == 0);
  CHECK((X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER) != 0);
  CHECK((X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE) != 0);
  CHECK(X509_check_host(leaf.get(), "host.example.com", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(leaf.get(), "::1", 0) == 1);
  const std::string ipv4("\x7f\x00\x00\x01", 4);
  const std::string ipv6 = std::string(15, '\0') + '\x01';
  CHECK(ip_addresses(leaf.get()) == std::vector<std::string>{ipv4, ipv6});

  auto info = inspect_certificate(*pem).value();
  CHECK(info.subject_cn == "host.example.com");
  CHECK(info.dns_names == std::vector<std::string>{"host.example.com"});
  CHECK(info.issuer_cn == "Leaf issuer");

  // Serials are random.
  auto second = issue_leaf_certificate(ca, key, {"host.example.com"}, now, now + 24h).value();
  CHECK(inspect_certificate(second).value().serial_hex != info.serial_hex);
}

TEST_CASE("issue_leaf_certificate refuses bad requests", "[crypto][private_ca]") {
  auto ca = create_private_ca("Refusing issuer", 24h).value();
  const PrivateKey& key = test::cached_key(KeyType::EcdsaP256);
  auto now = Clock::now();
  CHECK(issue_leaf_certificate(ca, key, {}, now, now + 1h).error().code() == Errc::InvalidArgument);
  CHECK(issue_leaf_certificate(ca, key, {"a.example.com"}, now, now - 1h).error().code() ==
        Errc::InvalidArgument);
  CHECK(issue_leaf_certificate(ca, key, {"bad name.example.com"}, now, now + 1h).error().code() ==
        Errc::InvalidArgument);
  // A CA whose key is not its certificate's.
  CaMaterial mismatched{test::cached_key(KeyType::EcdsaP384), ca.cert_pem};
  CHECK(issue_leaf_certificate(mismatched, key, {"a.example.com"}, now, now + 1h).error().code() ==
        Errc::InvalidArgument);
}

TEST_CASE("issue_certificate_for_csr copies the CSR's names and key", "[crypto][private_ca]") {
  auto ca = create_private_ca("CSR issuer", 24h).value();
  const PrivateKey& key = test::cached_key(KeyType::EcdsaP384);
  std::vector<std::string> names{"one.example.com", "two.example.com", "*.three.example.com"};
  std::string csr = make_csr_der(key, names).value();
  auto now = whole_seconds(Clock::now());
  auto pem = issue_certificate_for_csr(ca, csr, now, now + 24h * 7);
  REQUIRE(pem);
  auto info = inspect_certificate(*pem).value();
  CHECK(info.dns_names == names);
  CHECK(info.subject_cn == "one.example.com");
  CHECK(info.public_key_der == key.public_key_der());
  CHECK(info.not_before == now);
  CHECK(info.not_after == now + 24h * 7);
  CHECK_FALSE(info.ari_cert_id.empty());
  CHECK(verify_chain(*pem, "", ca.cert_pem));
}

TEST_CASE("issue_certificate_for_csr refuses a tampered or malformed CSR", "[crypto][private_ca]") {
  auto ca = create_private_ca("Careful issuer", 24h).value();
  std::string csr = make_csr_der(test::cached_key(KeyType::EcdsaP256), {"a.example.com"}).value();
  auto now = Clock::now();

  SECTION("a name changed after signing") {
    std::size_t at = csr.find("a.example.com");
    REQUIRE(at != std::string::npos);
    csr[at] = 'b';  // still parses, but the signature no longer covers it
    REQUIRE(test::parse_csr(csr));
    auto pem = issue_certificate_for_csr(ca, csr, now, now + 1h);
    REQUIRE_FALSE(pem);
    CHECK(pem.error().code() == Errc::InvalidArgument);
  }
  SECTION("a flipped bit in the signature") {
    csr.back() = static_cast<char>(csr.back() ^ 0x01);
    CHECK(issue_certificate_for_csr(ca, csr, now, now + 1h).error().code() == Errc::InvalidArgument);
  }
  SECTION("truncated") {
    CHECK(issue_certificate_for_csr(ca, csr.substr(0, csr.size() - 3), now, now + 1h).error().code() ==
          Errc::InvalidArgument);
  }
  SECTION("trailing bytes") {
    CHECK(issue_certificate_for_csr(ca, csr + "x", now, now + 1h).error().code() == Errc::InvalidArgument);
  }
  SECTION("garbage and empty") {
    CHECK(issue_certificate_for_csr(ca, "garbage", now, now + 1h).error().code() == Errc::InvalidArgument);
    CHECK(issue_certificate_for_csr(ca, "", now, now + 1h).error().code() == Errc::InvalidArgument);
  }
}

TEST_CASE("issue_certificate_for_csr refuses a CSR without subjectAltName", "[crypto][private_ca]") {
  auto ca = create_private_ca("SAN issuer", 24h).value();
  const PrivateKey& key = test::cached_key(KeyType::EcdsaP256);
  X509ReqPtr request(X509_REQ_new());
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(request.get()), "CN", MBSTRING_UTF8,
                             test::bytes_of("cn-only.example.com"), -1, -1, 0);
  X509_REQ_set_pubkey(request.get(), key.handle());
  REQUIRE(X509_REQ_sign(request.get(), key.handle(), EVP_sha256()) > 0);
  unsigned char* der = nullptr;
  int length = i2d_X509_REQ(request.get(), &der);
  REQUIRE(length > 0);
  OpenSslBytesPtr owned(der);
  auto now = Clock::now();
  auto pem = issue_certificate_for_csr(
      ca, std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length)), now, now + 1h);
  REQUIRE_FALSE(pem);
  CHECK(pem.error().code() == Errc::InvalidArgument);
}
