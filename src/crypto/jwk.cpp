// SPDX-License-Identifier: Apache-2.0
#include "crypto/jwk.hpp"

#include "core/base64url.hpp"
#include "crypto/hash.hpp"

namespace certkeep::crypto {

// RFC 7638 §3: the thumbprint is the hash of the canonical JSON's UTF-8 bytes, as given.
std::string jwk_thumbprint(std::string_view canonical_jwk_json) {
  return core::base64url_encode(sha256(canonical_jwk_json));
}

}  // namespace certkeep::crypto
