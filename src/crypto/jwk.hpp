// SPDX-License-Identifier: Apache-2.0
// JSON Web Key thumbprints (RFC 7638).
#pragma once

#include <string>
#include <string_view>

namespace certkeep::crypto {

// base64url(SHA-256(canonical_jwk_json)); the input must already be in RFC 7638 canonical form.
std::string jwk_thumbprint(std::string_view canonical_jwk_json);

}  // namespace certkeep::crypto
