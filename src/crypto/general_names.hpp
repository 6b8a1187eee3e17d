// SPDX-License-Identifier: Apache-2.0
// subjectAltName and subject names built from certkeep's name lists, shared by the CSR and the
// private CA. Names are set as values, never through OpenSSL's "DNS:a,DNS:b" configuration
// syntax, so a name cannot smuggle in another entry. Private to crypto/.
#pragma once

#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "crypto/openssl_handles.hpp"

namespace certkeep::crypto {

// RFC 5280 §4.1.2.6 (ub-common-name): a commonName holds at most 64 characters.
inline constexpr std::size_t kMaxCommonNameLength = 64;

enum class IpNames { AsDnsNames, AsIpAddresses };

// A subjectAltName extension with one entry per name: dNSName, or iPAddress for a literal
// IPv4/IPv6 address when `ip_names` is AsIpAddresses. Marked critical when `critical` (RFC 5280
// §4.2.1.6: required when the subject is empty). Errc::InvalidArgument for an empty list or
// an empty or non-ASCII name.
Result<X509ExtensionPtr> make_subject_alt_name(const std::vector<std::string>& names, IpNames ip_names,
                                               bool critical);

// A subject that is CN=`name` when the name is not empty and fits, else empty (then the SAN
// carries it).
Result<X509NamePtr> make_subject(const std::string& name);

// An iPAddress entry's octets as canonical text; empty unless it is 4 or 16 octets.
std::string ip_address_text(const ASN1_OCTET_STRING* address);

// The dNSName and iPAddress (as text) entries of a subjectAltName, in order. Errc::InvalidArgument
// for any other kind of entry.
Result<std::vector<std::string>> names_from_subject_alt_name(const GENERAL_NAMES* names);

}  // namespace certkeep::crypto
