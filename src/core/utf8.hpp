// SPDX-License-Identifier: Apache-2.0
// UTF-8 validity: what a text column of every store engine can hold (PostgreSQL refuses text
// that is not UTF-8 or holds a NUL; SQLite stores any bytes).
#pragma once

#include <string>
#include <string_view>

namespace certkeep::core {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF) without a NUL.
bool is_valid_utf8(std::string_view text) noexcept;

// `text` with each byte that starts no valid sequence, and each NUL, replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

}  // namespace certkeep::core
