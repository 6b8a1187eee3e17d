// SPDX-License-Identifier: Apache-2.0
// Digests.
#pragma once

#include <string>
#include <string_view>

namespace certkeep::crypto {

// Raw 32-byte SHA-256 digest.
std::string sha256(std::string_view bytes);
// Lowercase hex SHA-256, e.g. for `certkeep ca checksum` and file fingerprints.
std::string sha256_hex(std::string_view bytes);

}  // namespace certkeep::crypto
