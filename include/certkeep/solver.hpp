// SPDX-License-Identifier: Apache-2.0
// Solver: the extension point that makes an HTTP-01 token answerable (RFC 8555 §8.3).
#pragma once

#include <string>

#include "certkeep/result.hpp"

namespace certkeep {

struct Http01Challenge {
  std::string identifier;         // DNS name being validated
  std::string token;              // already checked: base64url, 22..512 characters
  std::string key_authorization;  // token "." base64url(JWK thumbprint)
};

// Serves key authorizations at http://<identifier>/.well-known/acme-challenge/<token>.
// present() is called for every pending challenge of an order before the CA is told to
// validate; cleanup() once the authorization is final, whatever the outcome.
// Implementations must be thread-safe: the engine may present several challenges at once.
class Solver {
 public:
  virtual ~Solver() = default;
  // Errc::InvalidArgument for a token that is not base64url; Errc::Io when it cannot serve.
  virtual Result<void> present(const Http01Challenge& challenge) = 0;
  // Removes what present() added. Never fails the order: problems are logged.
  virtual void cleanup(const Http01Challenge& challenge) noexcept = 0;
};

}  // namespace certkeep
