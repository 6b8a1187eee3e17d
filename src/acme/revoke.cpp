// SPDX-License-Identifier: Apache-2.0
#include "acme/revoke.hpp"

#include "core/base64url.hpp"

namespace certkeep::acme {

std::optional<RevocationReason> parse_revocation_reason(std::string_view text) noexcept {
  if (text == "unspecified") return RevocationReason::Unspecified;
  if (text == "keyCompromise" || text == "keycompromise") return RevocationReason::KeyCompromise;
  if (text == "superseded") return RevocationReason::Superseded;
  if (text == "cessationOfOperation" || text == "cessationofoperation")
    return RevocationReason::CessationOfOperation;
  return std::nullopt;
}

Result<void> revoke_certificate(Client& client, std::string_view certificate_der, RevocationReason reason) {
  if (client.directory().revoke_cert.empty())
    return fail(Errc::Protocol, "revoke: the CA's directory has no revokeCert");
  std::string payload = "{\"certificate\":\"" + core::base64url_encode(certificate_der) +
                        "\",\"reason\":" + std::to_string(static_cast<int>(reason)) + "}";
  auto response = client.post(client.directory().revoke_cert, payload);
  if (!response) return fail(std::move(response).error().with_context("revoke"));
  return {};
}

}  // namespace certkeep::acme
