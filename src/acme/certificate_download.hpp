// SPDX-License-Identifier: Apache-2.0
// Certificate download (RFC 8555 §7.4.2), alternate chains, and the preferred-chain choice.
#pragma once

#include <string>
#include <vector>

#include "acme/client.hpp"
#include "certkeep/result.hpp"

namespace certkeep::acme {

inline constexpr std::size_t kMaxAlternateChains = 10;

struct CertificateChain {
  std::string leaf_pem;
  std::string chain_pem;  // intermediates, in order, may be empty
  std::string url;
};

// Downloads `url` (application/pem-certificate-chain, ≤ 1 MiB). When `preferred_issuer_cn` is
// set, also fetches up to kMaxAlternateChains `Link: rel="alternate"` chains and returns the
// first whose topmost certificate's issuer CN (or any certificate's issuer CN) equals it; the
// default chain otherwise. Errc::Protocol for a body that is not a PEM chain.
Result<CertificateChain> download_certificate(Client& client, const std::string& url,
                                              const std::string& preferred_issuer_cn);

// Splits a downloaded PEM chain into leaf and intermediates.
Result<CertificateChain> split_downloaded_chain(std::string_view pem, std::string url);

}  // namespace certkeep::acme
