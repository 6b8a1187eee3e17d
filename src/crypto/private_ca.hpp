// SPDX-License-Identifier: Apache-2.0
// A private CA: the "self-signed" TLS option (certkeep ca init) and the test PKI.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::crypto {

struct CaMaterial {
  PrivateKey key;        // ECDSA P-256
  std::string cert_pem;  // self-signed root: CA:TRUE, keyCertSign|cRLSign, SKI
};

// A self-signed root valid from now - 1 h for `validity`.
Result<CaMaterial> create_private_ca(std::string_view common_name, std::chrono::seconds validity);

// A TLS server leaf for `names` (CN = names[0], SAN dNSName or iPAddress for each), signed by
// `ca`: random 16-byte positive serial, AKI = CA's SKI, EKU serverAuth, CA:FALSE.
Result<std::string> issue_leaf_certificate(const CaMaterial& ca, const PrivateKey& leaf_key,
                                           const std::vector<std::string>& names,
                                           std::chrono::system_clock::time_point not_before,
                                           std::chrono::system_clock::time_point not_after);

// The same for a DER CSR, as a CA would: verifies the CSR's signature and takes the names from
// its subjectAltName extension. Errc::InvalidArgument for a CSR that does not parse or verify.
Result<std::string> issue_certificate_for_csr(const CaMaterial& ca, std::string_view csr_der,
                                              std::chrono::system_clock::time_point not_before,
                                              std::chrono::system_clock::time_point not_after);

}  // namespace certkeep::crypto
