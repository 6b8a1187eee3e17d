// SPDX-License-Identifier: Apache-2.0
// TestPki: a private root CA made at run time, and leaf certificates from it, so tests get real
// certificates and keys without committing any private key. Failures throw (a broken test
// fixture should stop the test, and Catch2 reports the exception with its message).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "certkeep/key_type.hpp"
#include "crypto/private_ca.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::testing {

struct TestLeaf {
  crypto::PrivateKey key;
  std::string key_pem;     // PKCS#8
  std::string cert_pem;    // the leaf alone
  std::string chain_pem;   // what sits above the leaf (here: the root), as an ACME CA sends it
  std::string serial_hex;  // as crypto::inspect_certificate reports it

  std::string fullchain_pem() const { return cert_pem + chain_pem; }
};

// Not thread-safe; make one per test.
class TestPki {
 public:
  // A P-256 root named `root_name`, valid from an hour ago for ten years.
  explicit TestPki(const std::string& root_name = "certkeep test root");

  const crypto::CaMaterial& ca() const noexcept { return ca_; }
  const std::string& root_pem() const noexcept { return ca_.cert_pem; }

  // A server certificate for `names` (DNS names or IP literals), valid from `not_before` for
  // `lifetime`, on a fresh key of `key_type`. Throws std::runtime_error when OpenSSL fails.
  TestLeaf issue(const std::vector<std::string>& names,
                 std::chrono::seconds lifetime = std::chrono::hours(24 * 90),
                 std::chrono::system_clock::time_point not_before = std::chrono::system_clock::now() -
                                                                    std::chrono::minutes(5),
                 KeyType key_type = KeyType::EcdsaP256) const;

  // The same for a key the test already has.
  TestLeaf issue_for_key(const crypto::PrivateKey& key, const std::vector<std::string>& names,
                         std::chrono::system_clock::time_point not_before,
                         std::chrono::system_clock::time_point not_after) const;

 private:
  crypto::CaMaterial ca_;
};

}  // namespace certkeep::testing
