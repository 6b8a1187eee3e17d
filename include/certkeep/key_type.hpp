// SPDX-License-Identifier: Apache-2.0
// Key algorithms certkeep can generate for accounts and certificates.
#pragma once

#include <optional>
#include <string_view>

namespace certkeep {

enum class KeyType { EcdsaP256, EcdsaP384, Rsa2048, Rsa3072, Rsa4096 };

// "ec256", "ec384", "rsa2048", "rsa3072", "rsa4096" (the CLI and store spelling).
std::string_view to_string(KeyType type) noexcept;
std::optional<KeyType> parse_key_type(std::string_view text) noexcept;

}  // namespace certkeep
