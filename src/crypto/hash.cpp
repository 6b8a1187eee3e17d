// SPDX-License-Identifier: Apache-2.0
#include "crypto/hash.hpp"

#include <array>
#include <cstdlib>

#include <openssl/evp.h>

#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

std::string sha256(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // SHA-256 from the default provider cannot fail short of memory exhaustion, and the
  // contract has no error channel: treat a failure like std::bad_alloc.
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
    std::abort();
  return std::string(as_chars(digest.data(), static_cast<int>(length)));
}

std::string sha256_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string digest = sha256(bytes);
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (char c : digest) {
    auto byte = static_cast<unsigned char>(c);
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0x0f];
  }
  return hex;
}

}  // namespace certkeep::crypto
