// SPDX-License-Identifier: Apache-2.0
// NoncePool: anti-replay nonces (RFC 8555 §7.2) taken from every response's Replay-Nonce, so a
// flow needs HEAD newNonce only when the pool is empty.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace certkeep::acme {

// Thread-safe. Holds at most kCapacity nonces; the oldest are dropped first.
class NoncePool {
 public:
  static constexpr std::size_t kCapacity = 32;

  // Keeps `nonce` if it is valid base64url of 1..256 characters (RFC 8555 §6.5.1); ignores it
  // otherwise. Returns whether it was kept.
  bool add(std::string_view nonce);
  // The newest nonce (most likely still fresh), removed from the pool.
  std::optional<std::string> take();
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::deque<std::string> nonces_;
};

}  // namespace certkeep::acme
