// SPDX-License-Identifier: Apache-2.0
// TrustRoots: extra CA certificates (e.g. Pebble's HTTPS root, --ca-bundle) that are *added* to
// the system roots of every TLS context the HTTP transport creates. CURLOPT_CAINFO would
// replace the system roots, so the lifecycle hands add_to to the transport as its
// configure_tls_context hook (http/curl_transport.hpp), which curl's SSL context callback calls.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"

struct x509_st;  // OpenSSL's X509, kept out of this header

namespace certkeep::crypto {

class TrustRoots {
 public:
  // Every certificate of a PEM file (at most 1,000). Errc::InvalidArgument when the file cannot
  // be read, holds no certificate, or holds a certificate block that does not parse.
  static Result<TrustRoots> load(const std::filesystem::path& pem_file);
  // The same from PEM text; `origin` names it in error messages.
  static Result<TrustRoots> parse(std::string_view pem, std::string_view origin);

  std::size_t size() const noexcept { return certificates_.size(); }

  // Adds every certificate to the trust store of `ssl_ctx` (an SSL_CTX*), keeping what the
  // store already holds. False when OpenSSL refused one. Safe to call again on the same
  // store (duplicates are ignored). Thread-safe: the certificates are only read.
  bool add_to(void* ssl_ctx) const noexcept;

 private:
  std::vector<std::shared_ptr<x509_st>> certificates_;
};

}  // namespace certkeep::crypto
