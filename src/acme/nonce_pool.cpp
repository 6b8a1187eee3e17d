// SPDX-License-Identifier: Apache-2.0
#include "acme/nonce_pool.hpp"

#include "core/base64url.hpp"

namespace certkeep::acme {

bool NoncePool::add(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > 256 || !core::is_base64url(nonce)) return false;
  std::lock_guard lock(mutex_);
  if (nonces_.size() == kCapacity) nonces_.pop_front();
  nonces_.emplace_back(nonce);
  return true;
}

std::optional<std::string> NoncePool::take() {
  std::lock_guard lock(mutex_);
  if (nonces_.empty()) return std::nullopt;
  std::string nonce = std::move(nonces_.back());
  nonces_.pop_back();
  return nonce;
}

std::size_t NoncePool::size() const {
  std::lock_guard lock(mutex_);
  return nonces_.size();
}

}  // namespace certkeep::acme
