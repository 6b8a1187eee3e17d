// SPDX-License-Identifier: Apache-2.0
// TLS-ALPN-01 (RFC 8737): the validation certificate, checked with OpenSSL directly, and the
// ClientHello extension parsers.
#include "crypto/tls_alpn.hpp"

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"
#include "crypto/tls_alpn.hpp"
#include "crypto_test_util.hpp"

using namespace certkeep;
using namespace certkeep::crypto;

namespace {

std::vector<unsigned char> bytes(std::initializer_list<int> values) {
  std::vector<unsigned char> out;
  for (int value : values) out.push_back(static_cast<unsigned char>(value));
  return out;
}

std::vector<unsigned char> alpn_list(std::initializer_list<std::string_view> protocols) {
  std::vector<unsigned char> list;
  for (std::string_view protocol : protocols) {
    list.push_back(static_cast<unsigned char>(protocol.size()));
    list.insert(list.end(), protocol.begin(), protocol.end());
  }
  std::vector<unsigned char> extension{static_cast<unsigned char>(list.size() >> 8),
                                       static_cast<unsigned char>(list.size() & 0xff)};
  extension.insert(extension.end(), list.begin(), list.end());
  return extension;
}

std::vector<unsigned char> server_name(std::string_view host) {
  std::vector<unsigned char> entry{0, static_cast<unsigned char>(host.size() >> 8),
                                   static_cast<unsigned char>(host.size() & 0xff)};
  entry.insert(entry.end(), host.begin(), host.end());
  std::vector<unsigned char> extension{static_cast<unsigned char>(entry.size() >> 8),
                                       static_cast<unsigned char>(entry.size() & 0xff)};
  extension.insert(extension.end(), entry.begin(), entry.end());
  return extension;
}

}  // namespace

TEST_CASE("tls-alpn-01: the validation certificate has one SAN and the critical acmeIdentifier",
          "[crypto][tls-alpn]") {
  const std::string key_authorization = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.thumbprint";
  auto made = make_tls_alpn_certificate("WWW.Example.com", key_authorization);
  REQUIRE(made);
  const CertificateInfo info = inspect_certificate(made->cert_pem).value();
  CHECK(info.dns_names == std::vector<std::string>{"www.example.com"});
  CHECK(check_key_matches_certificate(PrivateKey::from_pem(made->key_pem.view()).value(), made->cert_pem));

  // Independently of read_acme_identifier: OpenSSL's view of the extension.
  X509Ptr certificate = test::parse_certificate(made->cert_pem);
  REQUIRE(certificate);
  OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free> oid(OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1));
  const int index = X509_get_ext_by_OBJ(certificate.get(), oid.get(), -1);
  REQUIRE(index >= 0);
  X509_EXTENSION* extension = X509_get_ext(certificate.get(), index);
  CHECK(X509_EXTENSION_get_critical(extension) == 1);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(test::bytes_of(key_authorization), key_authorization.size(), digest);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(extension);
  std::string expected = "\x04\x20";
  expected.append(reinterpret_cast<const char*>(digest), sizeof digest);
  CHECK(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)), ASN1_STRING_length(data)) ==
        expected);
  // Self-signed: its own key verifies it.
  CHECK(X509_verify(certificate.get(), X509_get0_pubkey(certificate.get())) == 1);

  auto read = read_acme_identifier(made->cert_pem);
  REQUIRE(read);
  REQUIRE(read->has_value());
  CHECK((*read)->critical);
  CHECK((*read)->digest == std::string(reinterpret_cast<const char*>(digest), sizeof digest));
  CHECK_FALSE(make_tls_alpn_certificate("not a name", key_authorization));
}

TEST_CASE("tls-alpn-01: only an ALPN list of exactly acme-tls/1 counts", "[crypto][tls-alpn]") {
  CHECK(offers_only_acme_tls(alpn_list({"acme-tls/1"})));
  CHECK_FALSE(offers_only_acme_tls(alpn_list({"h2", "acme-tls/1"})));
  CHECK_FALSE(offers_only_acme_tls(alpn_list({"acme-tls/1", "http/1.1"})));
  CHECK_FALSE(offers_only_acme_tls(alpn_list({"h2"})));
  CHECK_FALSE(offers_only_acme_tls(alpn_list({"acme-tls/2"})));
  CHECK_FALSE(offers_only_acme_tls({}));
  auto truncated = alpn_list({"acme-tls/1"});
  truncated.pop_back();
  CHECK_FALSE(offers_only_acme_tls(truncated));
  auto wrong_length = alpn_list({"acme-tls/1"});
  wrong_length[1] = 12;
  CHECK_FALSE(offers_only_acme_tls(wrong_length));
}

TEST_CASE("tls-alpn-01: the SNI host name is read, lowercased, malformed lists refused", "[crypto][tls-alpn]") {
  CHECK(sni_host_name(server_name("WWW.Example.COM.")) == std::optional<std::string>("www.example.com"));
  CHECK_FALSE(sni_host_name({}));
  CHECK_FALSE(sni_host_name(bytes({0, 1, 0})));
  auto cut = server_name("example.com");
  cut.resize(cut.size() - 3);
  CHECK_FALSE(sni_host_name(cut));
  CHECK_FALSE(sni_host_name(server_name(std::string("a\0b", 3))));
  CHECK_FALSE(sni_host_name(server_name("")));
}
