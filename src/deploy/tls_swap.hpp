// SPDX-License-Identifier: Apache-2.0
// TLS hot swap: turns stored PEM (leaf, chain, key) into a CertifiedKey snapshot with its
// OpenSSL objects parsed once, up front, so a handshake only adds references. The SSL_CTX side
// (use_certificate_source, use_certified_key) is declared in certkeep/openssl.hpp and defined
// in tls_swap.cpp too; this header has no OpenSSL types.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "certkeep/certified_key.hpp"
#include "certkeep/result.hpp"

namespace certkeep::deploy {

// Parses the leaf, the chain (zero or more certificates) and the private key. Facts (names,
// serial, issuer, validity) come from the leaf. Errc::Protocol for PEM that does not parse
// (or a leaf that is not exactly one certificate); Errc::Crypto when the key does not match
// the leaf.
Result<std::shared_ptr<const CertifiedKey>> make_certified_key(std::string lineage,
                                                               std::string_view certificate_pem,
                                                               std::string_view chain_pem,
                                                               std::string_view private_key_pem);

}  // namespace certkeep::deploy
