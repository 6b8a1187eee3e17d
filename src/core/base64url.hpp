// SPDX-License-Identifier: Apache-2.0
// base64url without padding (RFC 4648 §5), as JWS and ACME use it.
#pragma once

#include <string>
#include <string_view>

#include "certkeep/result.hpp"

namespace certkeep::core {

std::string base64url_encode(std::string_view bytes);
// Errc::InvalidArgument on a character outside the alphabet, padding, or a bad length.
Result<std::string> base64url_decode(std::string_view text);
// True when every character is in [A-Za-z0-9_-].
bool is_base64url(std::string_view text) noexcept;

}  // namespace certkeep::core
