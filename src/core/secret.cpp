// SPDX-License-Identifier: Apache-2.0
#include "core/secret.hpp"

#include <string.h>

namespace certkeep::core {

void Secret::wipe() noexcept {
  // explicit_bzero cannot be optimised away, unlike memset before free.
  if (!value_.empty()) explicit_bzero(value_.data(), value_.size());
  value_.clear();
}

}  // namespace certkeep::core
