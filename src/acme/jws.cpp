// SPDX-License-Identifier: Apache-2.0
#include "acme/jws.hpp"

#include "acme/json.hpp"
#include "core/base64url.hpp"
#include "core/result_macros.hpp"

namespace certkeep::acme {

Result<std::string> sign_jws(const crypto::Signer& signer, const JwsHeader& header,
                             std::string_view payload) {
  // RFC 8555 §6.2: exactly one of "jwk" and "kid"; "nonce" and "url" are required.
  std::string protected_header = "{\"alg\":" + json_quote(signer.alg());
  if (header.kid.empty()) {
    protected_header += ",\"jwk\":" + signer.jwk_json();
  } else {
    protected_header += ",\"kid\":" + json_quote(header.kid);
  }
  // An inner JWS (key change, §7.3.5) has no nonce; every request to the CA has one.
  if (!header.nonce.empty()) protected_header += ",\"nonce\":" + json_quote(header.nonce);
  protected_header += ",\"url\":" + json_quote(header.url) + "}";

  std::string encoded_protected = core::base64url_encode(protected_header);
  std::string encoded_payload = core::base64url_encode(payload);
  std::string signing_input = encoded_protected + "." + encoded_payload;
  std::string signature = CERTKEEP_TRY(signer.sign(signing_input));
  return "{\"protected\":\"" + encoded_protected + "\",\"payload\":\"" + encoded_payload +
         "\",\"signature\":\"" + core::base64url_encode(signature) + "\"}";
}

}  // namespace certkeep::acme
