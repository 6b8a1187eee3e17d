// SPDX-License-Identifier: Apache-2.0
#include "crypto/hmac.hpp"

#include <array>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

Result<std::string> hmac(HmacDigest digest, std::string_view key, std::string_view data) {
  if (key.empty()) return fail(Errc::InvalidArgument, "HMAC: empty key");
  const EVP_MD* md = digest == HmacDigest::Sha512   ? EVP_sha512()
                     : digest == HmacDigest::Sha384 ? EVP_sha384()
                                                    : EVP_sha256();
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  if (HMAC(md, key.data(), static_cast<int>(key.size()), as_bytes(data), data.size(), mac.data(), &length) ==
      nullptr)
    return fail(openssl_error(Errc::Crypto, "HMAC"));
  return std::string(as_chars(mac.data(), static_cast<int>(length)));
}

}  // namespace certkeep::crypto
