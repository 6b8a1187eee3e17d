// SPDX-License-Identifier: Apache-2.0
// Bring your own CSR (`certkeep issue --csr FILE`): a PKCS#10 request made elsewhere (an HSM,
// `openssl req`), read and checked here. certkeep finalizes with it as given and never holds
// its private key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::crypto {

inline constexpr std::size_t kMaxCsrFileBytes = 64 * 1024;

struct CsrInfo {
  std::string der;                 // the request exactly as given, for finalize
  std::string pem;                 // the same, as "CERTIFICATE REQUEST" PEM (what the store keeps)
  std::vector<std::string> names;  // the SAN's dNSName and iPAddress entries, else the subject CN
  std::string public_key_der;      // its SubjectPublicKeyInfo
};

// Reads a CSR in PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or DER. Errc::
// InvalidArgument naming what is wrong: not a CSR, trailing data, a signature that does not
// verify (PKCS#10 §3: it proves possession of the key), a SAN entry other than a DNS name or an
// IP address, no name at all.
Result<CsrInfo> read_csr(std::string_view pem_or_der);

// True when the two DER SubjectPublicKeyInfos hold the same key (compared as keys, not bytes).
bool same_public_key(std::string_view spki_der_a, std::string_view spki_der_b);

// Errc::Crypto "the certificate is not for the CSR's key" unless the certificate's public key
// is the one in `spki_der`.
Result<void> check_public_key_matches_certificate(std::string_view spki_der, std::string_view cert_pem);

}  // namespace certkeep::crypto
