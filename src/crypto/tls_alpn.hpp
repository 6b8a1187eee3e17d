// SPDX-License-Identifier: Apache-2.0
// TLS-ALPN-01 (RFC 8737): the validation certificate, and the two ClientHello extensions a
// server reads to decide whether a handshake is a validation (ALPN "acme-tls/1" and the SNI
// name). The extension parsers take the raw extension bytes (what OpenSSL's
// SSL_client_hello_get0_ext gives) and need no OpenSSL.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "core/secret.hpp"

namespace certkeep::crypto {

// RFC 8737 §6.2: the ALPN protocol id of a validation handshake.
inline constexpr std::string_view kAcmeTlsAlpnProtocol = "acme-tls/1";
// RFC 8737 §6.1: id-pe-acmeIdentifier.
inline constexpr std::string_view kAcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

struct TlsAlpnCertificate {
  std::string cert_pem;
  core::Secret key_pem;
};

// RFC 8737 §3: a self-signed certificate with a new ECDSA P-256 key, exactly one dNSName SAN
// (`identifier`), and the critical acmeIdentifier extension whose value is the DER OCTET STRING
// of SHA-256(`key_authorization`); valid from an hour ago for 7 days. Errc::InvalidArgument for
// an identifier that is not a DNS name.
Result<TlsAlpnCertificate> make_tls_alpn_certificate(std::string_view identifier,
                                                     std::string_view key_authorization);

// The acmeIdentifier of a certificate (the 32 digest bytes) and whether it is critical, or
// nullopt when it has none. Errc::Protocol when the PEM or the extension does not parse.
struct AcmeIdentifier {
  std::string digest;
  bool critical = false;
};
Result<std::optional<AcmeIdentifier>> read_acme_identifier(std::string_view cert_pem);

// RFC 7301 §3.1: true when the ALPN extension's ProtocolNameList is exactly one entry,
// "acme-tls/1". False for anything else, malformed lists included.
bool offers_only_acme_tls(std::span<const unsigned char> alpn_extension) noexcept;

// RFC 6066 §3: the host_name of a server_name extension, lowercase, without a trailing dot;
// nullopt when the extension is malformed or names no host.
std::optional<std::string> sni_host_name(std::span<const unsigned char> server_name_extension);

}  // namespace certkeep::crypto
