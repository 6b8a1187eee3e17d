// SPDX-License-Identifier: Apache-2.0
// Certificate revocation (RFC 8555 §7.6).
#pragma once

#include <optional>
#include <string_view>

#include "acme/client.hpp"
#include "certkeep/result.hpp"

namespace certkeep::acme {

// RFC 5280 §5.3.1 reason codes ACME accepts.
enum class RevocationReason { Unspecified = 0, KeyCompromise = 1, Superseded = 4, CessationOfOperation = 5 };
std::optional<RevocationReason> parse_revocation_reason(std::string_view text) noexcept;

// POSTs revokeCert with the certificate's DER, signed by the account (kid).
Result<void> revoke_certificate(Client& client, std::string_view certificate_der, RevocationReason reason);

}  // namespace certkeep::acme
