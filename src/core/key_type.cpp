// SPDX-License-Identifier: Apache-2.0
#include "certkeep/key_type.hpp"

namespace certkeep {

std::string_view to_string(KeyType type) noexcept {
  switch (type) {
    case KeyType::EcdsaP256: return "ec256";
    case KeyType::EcdsaP384: return "ec384";
    case KeyType::Rsa2048: return "rsa2048";
    case KeyType::Rsa3072: return "rsa3072";
    case KeyType::Rsa4096: return "rsa4096";
  }
  return "ec256";
}

std::optional<KeyType> parse_key_type(std::string_view text) noexcept {
  for (KeyType type :
       {KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096}) {
    if (text == to_string(type)) return type;
  }
  return std::nullopt;
}

}  // namespace certkeep
