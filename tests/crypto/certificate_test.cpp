// SPDX-License-Identifier: Apache-2.0
#include "crypto/certificate.hpp"

#include <regex>

#include <catch2/catch.hpp>

#include "core/base64url.hpp"
#include "crypto_test_util.hpp"

using namespace certkeep;
using namespace certkeep::crypto;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::system_clock;

struct Pki {
  CaMaterial root = create_private_ca("certkeep test root", 24h * 365).value();
  PrivateKey leaf_key = test::cached_key(KeyType::EcdsaP256);
  Clock::time_point not_before = std::chrono::floor<std::chrono::seconds>(Clock::now()) - 1h;
  Clock::time_point not_after = not_before + 24h * 90;
  std::string leaf =
      issue_leaf_certificate(root, leaf_key, {"a.example.com", "b.example.com"}, not_before, not_after)
          .value();
};

std::string hex_upper(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    out += kHex[static_cast<unsigned char>(c) >> 4];
    out += kHex[static_cast<unsigned char>(c) & 0x0f];
  }
  return out;
}

}  // namespace

TEST_CASE("inspect_certificate reads the facts of an issued leaf", "[crypto][certificate]") {
  Pki pki;
  auto info = inspect_certificate(pki.leaf);
  REQUIRE(info);
  CHECK(info->subject_cn == "a.example.com");
  CHECK(info->issuer_cn == "certkeep test root");
  CHECK(info->dns_names == std::vector<std::string>{"a.example.com", "b.example.com"});
  CHECK(info->not_before == pki.not_before);
  CHECK(info->not_after == pki.not_after);
  CHECK(info->public_key_der == pki.leaf_key.public_key_der());

  // 16 random bytes with the top bit clear: 32 uppercase hex digits, no "00" pad.
  CHECK(std::regex_match(info->serial_hex, std::regex("[0-9A-F]{32}")));
  X509Ptr parsed = test::parse_certificate(pki.leaf);
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(parsed.get()), nullptr));
  OpenSslCharsPtr expected(BN_bn2hex(serial.get()));
  CHECK(info->serial_hex == expected.get());

  // RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial DER content).
  REQUIRE(std::regex_match(info->ari_cert_id, std::regex("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+")));
  std::size_t dot = info->ari_cert_id.find('.');
  std::string key_id = core::base64url_decode(info->ari_cert_id.substr(0, dot)).value();
  std::string serial_bytes = core::base64url_decode(info->ari_cert_id.substr(dot + 1)).value();
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(parsed.get());
  REQUIRE(aki != nullptr);
  CHECK(key_id == std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(aki)),
                              static_cast<std::size_t>(ASN1_STRING_length(aki))));
  // The CA's SKI is the leaf's AKI.
  X509Ptr root = test::parse_certificate(pki.root.cert_pem);
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(root.get());
  REQUIRE(ski != nullptr);
  CHECK(ASN1_OCTET_STRING_cmp(ski, aki) == 0);
  CHECK(hex_upper(serial_bytes) == info->serial_hex);
}

TEST_CASE("ari_cert_id keeps the DER sign byte of the serial", "[crypto][certificate][ari]") {
  // RFC 9773 appendix A's example: AKI 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4
  // and serial 00:87:65:43:21 give "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE".
  X509Ptr certificate(X509_new());
  REQUIRE(certificate);
  const unsigned char serial[] = {0x87, 0x65, 0x43, 0x21};
  BignumPtr number(BN_bin2bn(serial, sizeof serial, nullptr));
  REQUIRE(BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate.get())) != nullptr);
  const unsigned char key_id[] = {0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3,
                                  0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4};
  auto* aki = AUTHORITY_KEYID_new();
  aki->keyid = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(aki->keyid, key_id, sizeof key_id);
  REQUIRE(X509_add1_ext_i2d(certificate.get(), NID_authority_key_identifier, aki, 0, 0) == 1);
  AUTHORITY_KEYID_free(aki);
  auto ca = create_private_ca("ARI example", 1h).value();
  X509_set_issuer_name(certificate.get(), X509_get_subject_name(test::parse_certificate(ca.cert_pem).get()));
  X509_set_subject_name(certificate.get(), X509_get_issuer_name(certificate.get()));
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 3600);
  X509_set_pubkey(certificate.get(), test::cached_key(KeyType::EcdsaP256).handle());
  REQUIRE(X509_sign(certificate.get(), ca.key.handle(), EVP_sha256()) > 0);
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), certificate.get());
  BUF_MEM* memory = nullptr;
  BIO_get_mem_ptr(bio.get(), &memory);

  auto info = inspect_certificate(std::string(memory->data, memory->length));
  REQUIRE(info);
  CHECK(info->ari_cert_id == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
  CHECK(info->serial_hex == "87654321");
}

TEST_CASE("a certificate without an AKI has no ARI CertID", "[crypto][certificate][ari]") {
  // Our self-signed root carries only an SKI.
  auto ca = create_private_ca("No AKI", 1h).value();
  auto info = inspect_certificate(ca.cert_pem);
  REQUIRE(info);
  CHECK(info->ari_cert_id.empty());
  CHECK(info->subject_cn == "No AKI");
  CHECK(info->issuer_cn == "No AKI");
  CHECK(info->dns_names.empty());
}

TEST_CASE("inspect_certificate refuses anything but one certificate", "[crypto][certificate]") {
  Pki pki;
  SECTION("garbage") {
    auto info = inspect_certificate("garbage");
    REQUIRE_FALSE(info);
    CHECK(info.error().code() == Errc::Protocol);
  }
  SECTION("two certificates") {
    auto info = inspect_certificate(pki.leaf + pki.root.cert_pem);
    REQUIRE_FALSE(info);
    CHECK(info.error().code() == Errc::Protocol);
  }
  SECTION("a private key") { CHECK_FALSE(inspect_certificate(pki.leaf_key.to_pem().value().view())); }
}

TEST_CASE("split_pem_chain returns each certificate block", "[crypto][certificate][pem]") {
  Pki pki;
  CaMaterial intermediate = test::make_intermediate(pki.root, "certkeep test intermediate");

  SECTION("one certificate") {
    auto blocks = split_pem_chain(pki.leaf);
    REQUIRE(blocks);
    REQUIRE(blocks->size() == 1);
    CHECK((*blocks)[0] == pki.leaf);
  }
  SECTION("three certificates, with text and CRLF line ends around them") {
    std::string crlf_root = std::regex_replace(pki.root.cert_pem, std::regex("\n"), "\r\n");
    std::string bundle = "leaf:\n" + pki.leaf + "\nintermediate:\n" + intermediate.cert_pem + crlf_root;
    auto blocks = split_pem_chain(bundle);
    REQUIRE(blocks);
    REQUIRE(blocks->size() == 3);
    CHECK((*blocks)[0] == pki.leaf);
    CHECK((*blocks)[1] == intermediate.cert_pem);
    CHECK((*blocks)[2] == pki.root.cert_pem);
    for (const std::string& block : *blocks) {
      CHECK(block.rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
      CHECK(block.back() == '\n');
    }
  }
  SECTION("blocks of other types are skipped") {
    std::string key_pem = pki.leaf_key.to_pem().value().str();
    auto blocks = split_pem_chain(pki.leaf + key_pem);
    REQUIRE(blocks);
    CHECK(blocks->size() == 1);
  }
  SECTION("garbage") {
    auto blocks = split_pem_chain("not a certificate at all");
    REQUIRE_FALSE(blocks);
    CHECK(blocks.error().code() == Errc::Protocol);
  }
  SECTION("empty") { CHECK_FALSE(split_pem_chain("")); }
  SECTION("a block that is not valid base64") {
    std::string broken = pki.leaf;
    broken[40] = '*';
    auto blocks = split_pem_chain(broken);
    REQUIRE_FALSE(blocks);
    CHECK(blocks.error().code() == Errc::Protocol);
  }
  SECTION("a block that is base64 but not a certificate") {
    std::string fake = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
    auto blocks = split_pem_chain(pki.leaf + fake);
    REQUIRE_FALSE(blocks);
    CHECK(blocks.error().code() == Errc::Protocol);
  }
  SECTION("too many certificates") {
    std::string bundle = pki.leaf + intermediate.cert_pem + pki.root.cert_pem;
    auto blocks = split_pem_chain(bundle, 2);
    REQUIRE_FALSE(blocks);
    CHECK(blocks.error().code() == Errc::Protocol);
    CHECK(split_pem_chain(bundle, 3));
  }
}

TEST_CASE("verify_chain accepts a chain to the trusted root", "[crypto][certificate][verify]") {
  Pki pki;
  SECTION("leaf signed by the root") { CHECK(verify_chain(pki.leaf, "", pki.root.cert_pem)); }
  SECTION("leaf through an intermediate") {
    CaMaterial intermediate = test::make_intermediate(pki.root, "certkeep test intermediate");
    std::string leaf =
        issue_leaf_certificate(intermediate, pki.leaf_key, {"c.example.com"}, pki.not_before, pki.not_after)
            .value();
    CHECK(verify_chain(leaf, intermediate.cert_pem, pki.root.cert_pem));
    // Without the intermediate there is no path.
    auto missing = verify_chain(leaf, "", pki.root.cert_pem);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code() == Errc::Crypto);
  }
  SECTION("the root among other trusted roots") {
    auto other = create_private_ca("Other root", 24h).value();
    CHECK(verify_chain(pki.leaf, "", other.cert_pem + pki.root.cert_pem));
  }
}

TEST_CASE("verify_chain refuses a chain to another root", "[crypto][certificate][verify]") {
  Pki pki;
  auto other = create_private_ca("certkeep test root", 24h).value();  // same name, other key
  auto result = verify_chain(pki.leaf, "", other.cert_pem);
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == Errc::Crypto);
  CHECK_THAT(result.error().message(), Catch::Contains("does not verify"));
}

TEST_CASE("verify_chain refuses an expired leaf", "[crypto][certificate][verify]") {
  Pki pki;
  auto now = Clock::now();
  std::string expired =
      issue_leaf_certificate(pki.root, pki.leaf_key, {"old.example.com"}, now - 48h, now - 24h).value();
  auto result = verify_chain(expired, "", pki.root.cert_pem);
  REQUIRE_FALSE(result);
  CHECK_THAT(result.error().message(), Catch::Contains("expired"));
}

TEST_CASE("check_key_matches_certificate compares the public keys", "[crypto][certificate]") {
  Pki pki;
  CHECK(check_key_matches_certificate(pki.leaf_key, pki.leaf));
  auto mismatch = check_key_matches_certificate(test::cached_key(KeyType::EcdsaP384), pki.leaf);
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.error().code() == Errc::Crypto);
  CHECK(mismatch.error().message() == "private key does not match certificate");
  CHECK_FALSE(check_key_matches_certificate(pki.root.key, pki.leaf));
  CHECK(check_key_matches_certificate(pki.root.key, pki.root.cert_pem));
}

TEST_CASE("certificate_der is the DER inside the PEM", "[crypto][certificate]") {
  Pki pki;
  auto der = certificate_der(pki.leaf);
  REQUIRE(der);
  X509Ptr parsed = test::parse_certificate(pki.leaf);
  unsigned char* encoded = nullptr;
  int length = i2d_X509(parsed.get(), &encoded);
  REQUIRE(length > 0);
  OpenSslBytesPtr owned(encoded);
  CHECK(*der == std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(length)));
  CHECK(static_cast<unsigned char>((*der)[0]) == 0x30);  // SEQUENCE
  auto two = certificate_der(pki.leaf + pki.root.cert_pem);
  REQUIRE_FALSE(two);
  CHECK(two.error().code() == Errc::Protocol);
}

TEST_CASE("verify_chain_links accepts a chain that hangs together and names the broken link",
          "[crypto][certificate][chain]") {
  Pki pki;
  CHECK(verify_chain_links(pki.leaf, pki.root.cert_pem));
  CHECK(verify_chain_links(pki.leaf, ""));  // nothing to check but the leaf
  // Same subject name, other key: the name matches but the signature does not.
  auto impostor = create_private_ca("certkeep test root", 24h).value();
  auto forged = verify_chain_links(pki.leaf, impostor.cert_pem);
  REQUIRE_FALSE(forged);
  CHECK(forged.error().code() == Errc::Protocol);
  CHECK_THAT(forged.error().message(), Catch::Contains("not signed by the next one"));
  auto stranger = create_private_ca("someone else", 24h).value();
  auto unrelated = verify_chain_links(pki.leaf, stranger.cert_pem);
  REQUIRE_FALSE(unrelated);
  CHECK_THAT(unrelated.error().message(), Catch::Contains("issuer name differs"));
}
