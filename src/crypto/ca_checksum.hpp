// SPDX-License-Identifier: Apache-2.0
// A CA certificate's checksum as Rancher's agents compare it (CATTLE_CA_CHECKSUM), the base64
// certificate-authority-data of a kubeconfig, and the pin that makes a TLS connection fail
// unless the verified chain ends in the CA with a given checksum (--server-ca-checksum).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"

namespace certkeep::crypto {

// The PEM text as Rancher stores it: surrounding whitespace trimmed, one "\n" appended. For a
// file that ends in exactly one newline these are the file's own bytes.
std::string normalized_ca_pem(std::string_view pem_text);
// Lowercase hex SHA-256 of normalized_ca_pem(pem_text): `sha256sum` of such a file.
std::string ca_checksum(std::string_view pem_text);
// Standard base64 (RFC 4648 §4, padded, one line) of normalized_ca_pem(pem_text).
std::string kubeconfig_ca_data(std::string_view pem_text);
// True for 64 hex digits (either case): what --server-ca-checksum accepts.
bool is_ca_checksum(std::string_view text) noexcept;
// The last certificate of a PEM bundle, re-encoded (the CA a chain ends in); "" when none.
std::string last_certificate(std::string_view pem_bundle);

// Installed on each TLS context of a transport (http::CurlOptions::configure_tls_context):
// once OpenSSL has verified a server's chain, its top certificate (the trusted root the chain
// ends in) is checked against `expected`; a mismatch fails the handshake and is remembered for
// the error message. With an empty `expected` it only records the top (`ca checksum --server`).
class ServerCaPin {
 public:
  explicit ServerCaPin(std::string expected);
  // Sets the verify callback of `ssl_ctx` (an SSL_CTX*); keeps its verify mode. False on failure.
  bool install(void* ssl_ctx);
  const std::string& expected() const noexcept { return expected_; }
  // The PEM of the top certificate of the last chain verified, or nullopt.
  std::optional<std::string> last_top() const;
  // True (once) when a handshake failed because its chain ended in another CA.
  bool take_mismatch();

  // Called by the verify callback.
  bool check_top(std::string top_pem);

 private:
  std::string expected_;
  mutable std::mutex mutex_;
  std::optional<std::string> last_top_;
  bool mismatch_ = false;
};

}  // namespace certkeep::crypto
