// SPDX-License-Identifier: Apache-2.0
// X.509 facts certkeep needs, read from PEM: names, serial, validity, issuer, key, ARI id.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "crypto/private_key.hpp"

struct x509_st;  // OpenSSL's X509, for describe_certificate

namespace certkeep::crypto {

struct CertificateInfo {
  std::string serial_hex;  // uppercase hex, no separators, no leading "00" pad
  std::string subject_cn;
  std::string issuer_cn;
  std::vector<std::string> dns_names;     // subjectAltName dNSName entries, in certificate order
  std::vector<std::string> ip_addresses;  // subjectAltName iPAddress entries, canonical text (RFC 8738)
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  std::string public_key_der;  // SubjectPublicKeyInfo DER (compare with PrivateKey)
  // RFC 9773 §4.1 CertID: base64url(AKI keyIdentifier) "." base64url(serial DER bytes).
  // Empty when the certificate has no Authority Key Identifier.
  std::string ari_cert_id;
};

// Splits a PEM bundle into its "CERTIFICATE" blocks, in order, each re-encoded from its DER as
// a complete PEM text (64-column base64, LF line ends) ending in "\n". Text around the blocks
// (RFC 7468 explanatory text) and blocks of other types are skipped. Errc::Protocol when there
// is no certificate block, a block is not valid base64/DER, or there are more than
// `max_certificates`.
Result<std::vector<std::string>> split_pem_chain(std::string_view pem, std::size_t max_certificates = 16);

// Errc::Protocol when `pem` is not exactly one parseable certificate.
Result<CertificateInfo> inspect_certificate(std::string_view pem);
// The same facts of a certificate parsed already (crypto/ callers that hold the X509).
Result<CertificateInfo> describe_certificate(x509_st* certificate);

// Verifies `leaf_pem` up to one of `trusted_roots_pem` (PEM bundle) through the
// intermediates in `chain_pem` (may be empty), at the current time. Errc::Crypto with
// OpenSSL's reason when it does not verify; Errc::Protocol when an input does not parse.
Result<void> verify_chain(std::string_view leaf_pem, std::string_view chain_pem,
                          std::string_view trusted_roots_pem);

// Checks that the CA's chain hangs together without trusting any root: the leaf is signed by
// the first certificate of `chain_pem`, each one by the next, and each issuer name matches its
// signer's subject. An empty chain passes. Errc::Protocol naming the first broken link.
Result<void> verify_chain_links(std::string_view leaf_pem, std::string_view chain_pem);

// The DER of the single certificate in `pem` (for revokeCert). Errc::Protocol otherwise.
Result<std::string> certificate_der(std::string_view pem);

// Errc::Crypto "private key does not match certificate" unless the certificate's public key is
// the key's.
Result<void> check_key_matches_certificate(const PrivateKey& key, std::string_view cert_pem);

}  // namespace certkeep::crypto
