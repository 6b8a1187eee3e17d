// SPDX-License-Identifier: Apache-2.0
// What a TLS server needs to present one certificate, parsed and checked once: the leaf, its
// intermediates and the private key, with the key verified to match the leaf. The in-process
// hot swap (deploy/tls_swap.cpp) builds its snapshots from this, on the renewal path, so the
// handshake path only hands out references.
#pragma once

#include <string_view>

#include "certkeep/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/openssl_handles.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::crypto {

struct ServingMaterial {
  X509Ptr certificate;
  X509StackPtr chain;  // may be empty
  PrivateKey key;
  CertificateInfo info;  // of the leaf
};

// Errc::Protocol when a PEM block does not parse (`chain_pem` may hold no block at all);
// Errc::Crypto, naming `lineage` and the serial, when the key does not match the leaf.
Result<ServingMaterial> load_serving_material(std::string_view lineage, std::string_view certificate_pem,
                                              std::string_view chain_pem, std::string_view private_key_pem);

}  // namespace certkeep::crypto
