// SPDX-License-Identifier: Apache-2.0
#include "support/test_pki.hpp"

#include <stdexcept>

#include "crypto/certificate.hpp"

namespace certkeep::testing {

namespace {

template <class T>
T take(Result<T> result, const char* what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().to_string());
  return std::move(*result);
}

crypto::CaMaterial make_root(const std::string& name) {
  return take(crypto::create_private_ca(name, std::chrono::hours(24 * 3650)), "test PKI root");
}

}  // namespace

TestPki::TestPki(const std::string& root_name) : ca_(make_root(root_name)) {}

TestLeaf TestPki::issue(const std::vector<std::string>& names, std::chrono::seconds lifetime,
                        std::chrono::system_clock::time_point not_before, KeyType key_type) const {
  crypto::PrivateKey key = take(crypto::PrivateKey::generate(key_type), "test PKI leaf key");
  return issue_for_key(key, names, not_before, not_before + lifetime);
}

TestLeaf TestPki::issue_for_key(const crypto::PrivateKey& key, const std::vector<std::string>& names,
                                std::chrono::system_clock::time_point not_before,
                                std::chrono::system_clock::time_point not_after) const {
  std::string cert_pem =
      take(crypto::issue_leaf_certificate(ca_, key, names, not_before, not_after), "test PKI leaf");
  crypto::CertificateInfo info = take(crypto::inspect_certificate(cert_pem), "test PKI leaf");
  std::string key_pem = take(key.to_pem(), "test PKI leaf key").str();
  return TestLeaf{key, std::move(key_pem), std::move(cert_pem), ca_.cert_pem, std::move(info.serial_hex)};
}

}  // namespace certkeep::testing
