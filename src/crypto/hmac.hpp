// SPDX-License-Identifier: Apache-2.0
// HMAC (RFC 2104) with SHA-2, for External Account Binding's HS256/HS384/HS512 (RFC 7518 §3.2).
#pragma once

#include <string>
#include <string_view>

#include "certkeep/result.hpp"

namespace certkeep::crypto {

enum class HmacDigest { Sha256, Sha384, Sha512 };

// The raw MAC of `data` under `key`. Errc::InvalidArgument for an empty key; Errc::Crypto if
// OpenSSL fails.
Result<std::string> hmac(HmacDigest digest, std::string_view key, std::string_view data);

}  // namespace certkeep::crypto
