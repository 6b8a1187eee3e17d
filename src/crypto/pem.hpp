// SPDX-License-Identifier: Apache-2.0
// PEM certificate bundles to parsed X509 objects, keeping each block's original DER.
// Private to crypto/: the public entry points are in certificate.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "crypto/openssl_handles.hpp"

namespace certkeep::crypto {

struct PemCertificate {
  X509Ptr certificate;
  std::string der;  // the block's bytes exactly as they were encoded
};

// Every "CERTIFICATE" block of `pem`, in order. Text outside blocks (RFC 7468 §2 explanatory
// text) and blocks of other types are skipped. Errc::Protocol when there is no certificate, a
// block is not valid base64 or not exactly one DER certificate, or there are more than
// `max_certificates`.
Result<std::vector<PemCertificate>> read_pem_certificates(std::string_view pem, std::size_t max_certificates);

// Exactly one certificate. Errc::Protocol otherwise.
Result<PemCertificate> read_one_certificate(std::string_view pem);

// The standard PEM text of a DER certificate, 64 columns, ending in "\n".
Result<std::string> certificate_pem(std::string_view der);

}  // namespace certkeep::crypto
