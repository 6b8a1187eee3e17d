// SPDX-License-Identifier: Apache-2.0
// The CA checksum Rancher's agents compare: sha256 of the PEM text trimmed, one "\n" appended.
#include <catch2/catch.hpp>

#include "crypto/ca_checksum.hpp"
#include "crypto/hash.hpp"
#include "crypto/private_ca.hpp"

using namespace certkeep;

TEST_CASE("ca checksum: sha256 of the trimmed PEM with one newline, and its base64", "[crypto][checksum]") {
  const std::string pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  CHECK(crypto::normalized_ca_pem(pem) == pem);
  CHECK(crypto::normalized_ca_pem("\n \t" + pem + "\n\n") == pem);
  CHECK(crypto::normalized_ca_pem(pem.substr(0, pem.size() - 1)) == pem);  // no final newline
  CHECK(crypto::ca_checksum(pem) == crypto::sha256_hex(pem));
  CHECK(crypto::ca_checksum("\r\n" + pem + "\r\n") == crypto::sha256_hex(pem));
  // RFC 4648 test vector, then the PEM's own bytes.
  CHECK(crypto::kubeconfig_ca_data("foob") == "Zm9vYgo=");  // "foob\n"
  CHECK(crypto::kubeconfig_ca_data(pem).find('\n') == std::string::npos);
}

TEST_CASE("ca checksum: a checksum is 64 hex digits, the last certificate of a bundle",
          "[crypto][checksum]") {
  CHECK(crypto::is_ca_checksum(std::string(64, 'a')));
  CHECK(crypto::is_ca_checksum(std::string(64, 'F')));
  CHECK_FALSE(crypto::is_ca_checksum(std::string(63, 'a')));
  CHECK_FALSE(crypto::is_ca_checksum(std::string(63, 'a') + "g"));
  auto first = crypto::create_private_ca("first", std::chrono::hours(24)).value();
  auto second = crypto::create_private_ca("second", std::chrono::hours(24)).value();
  CHECK(crypto::last_certificate(first.cert_pem + second.cert_pem) == second.cert_pem);
  CHECK(crypto::last_certificate("no PEM here").empty());
}

TEST_CASE("ca checksum: a recording pin accepts any top and remembers it, a pin refuses others once",
          "[crypto][checksum]") {
  auto root = crypto::create_private_ca("root", std::chrono::hours(24)).value();
  crypto::ServerCaPin recorder("");
  CHECK(recorder.check_top(root.cert_pem));
  CHECK(recorder.last_top() == root.cert_pem);
  CHECK_FALSE(recorder.take_mismatch());

  crypto::ServerCaPin pin(std::string(64, 'A'));
  CHECK(pin.expected() == std::string(64, 'a'));  // lowercased
  CHECK_FALSE(pin.check_top(root.cert_pem));
  CHECK(pin.take_mismatch());
  CHECK_FALSE(pin.take_mismatch());  // reported once
  crypto::ServerCaPin matching(crypto::ca_checksum(root.cert_pem));
  CHECK(matching.check_top(root.cert_pem));
}
