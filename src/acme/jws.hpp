// SPDX-License-Identifier: Apache-2.0
// JWS in flattened JSON serialization for ACME requests (RFC 8555 §6.2, RFC 7515).
#pragma once

#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "crypto/signer.hpp"

namespace certkeep::acme {

struct JwsHeader {
  std::string_view url;
  std::string_view nonce;  // empty: no "nonce" (the inner JWS of a key change)
  // The account URL. Empty: embed the public "jwk" instead (newAccount, revocation by cert key).
  std::string_view kid;
};

// Returns {"protected":…,"payload":…,"signature":…}. An empty `payload` gives the empty
// payload of POST-as-GET (RFC 8555 §6.3); "{}" is an empty object, as challenges want.
Result<std::string> sign_jws(const crypto::Signer& signer, const JwsHeader& header, std::string_view payload);

}  // namespace certkeep::acme
