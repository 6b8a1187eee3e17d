// SPDX-License-Identifier: Apache-2.0
// certbot's account files (accounts/<server>/<id>/): the key as a JWK (private_key.json) and the
// account URL (regr.json's "uri"), read so `certkeep import --from-certbot` keeps the account.
#pragma once

#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::acme {

// An RSA private JWK (kty "RSA" with n, e, d, p, q, dp, dq, qi). Errc::Protocol naming what is
// missing or malformed; another kty is refused.
Result<crypto::PrivateKey> parse_private_jwk(std::string_view json);

// regr.json's "uri": the account URL (https). Errc::Protocol otherwise.
Result<std::string> parse_certbot_account_url(std::string_view json);

}  // namespace certkeep::acme
