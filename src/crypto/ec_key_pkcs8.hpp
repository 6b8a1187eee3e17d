// SPDX-License-Identifier: Apache-2.0
// The PKCS#8 PEM of an EC private key, written without OpenSSL's encoders. Private to crypto/.
#pragma once

#include <optional>

#include <openssl/types.h>

#include "certkeep/key_type.hpp"
#include "core/secret.hpp"

namespace certkeep::crypto {

// "-----BEGIN PRIVATE KEY-----": RFC 5208 PrivateKeyInfo around an RFC 5915 ECPrivateKey with
// its public key and without curve parameters, byte for byte what OpenSSL 3 writes. nullopt
// for anything but a P-256/P-384 key with an uncompressed public point; the caller then uses
// the general encoder.
std::optional<core::Secret> ec_key_pkcs8_pem(const EVP_PKEY* key, KeyType type);

}  // namespace certkeep::crypto
