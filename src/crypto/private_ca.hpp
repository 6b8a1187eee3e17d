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
  PrivateKey key;        // ECDSA P-256 unless asked otherwise
  std::string cert_pem;  // self-signed root: CA:TRUE, keyCertSign|cRLSign, SKI
};

// A self-signed root valid from now - 1 h until (now - 1 h) + `validity`, with a new key of
// `key_type` (signed with SHA-384 for P-384, else SHA-256).
// Errc::InvalidArgument for an empty or over-64-byte name or a non-positive validity.
Result<CaMaterial> create_private_ca(std::string_view common_name, std::chrono::seconds validity,
                                     KeyType key_type = KeyType::EcdsaP256);

// The CA a store row holds: its key must be the certificate's (Errc::Crypto otherwise).
Result<CaMaterial> load_private_ca(std::string_view key_pem, std::string cert_pem);

// A TLS server leaf for `names` (CN = names[0], SAN dNSName or iPAddress for each), signed by
// `ca`: random 16-byte positive serial, AKI = CA's SKI, EKU serverAuth, CA:FALSE. The CN is left
// out when names[0] is longer than 64 bytes. Errc::InvalidArgument for no names, a name that is
// not printable ASCII, not_after <= not_before, or a CA key that is not the CA certificate's.
Result<std::string> issue_leaf_certificate(const CaMaterial& ca, const PrivateKey& leaf_key,
                                           const std::vector<std::string>& names,
                                           std::chrono::system_clock::time_point not_before,
                                           std::chrono::system_clock::time_point not_after);

// The same for a DER CSR, as a CA would: verifies the CSR's signature and takes the names from
// its subjectAltName extension (dNSName and iPAddress entries). Errc::InvalidArgument for a CSR
// that does not parse or verify, has no subjectAltName, or has another kind of SAN entry.
Result<std::string> issue_certificate_for_csr(const CaMaterial& ca, std::string_view csr_der,
                                              std::chrono::system_clock::time_point not_before,
                                              std::chrono::system_clock::time_point not_after);

}  // namespace certkeep::crypto
