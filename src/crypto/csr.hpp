// SPDX-License-Identifier: Apache-2.0
// Certificate signing requests for finalize (RFC 8555 §7.4).
#pragma once

#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::crypto {

// DER PKCS#10 signed by `key` (SHA-256), subject CN = names[0] when it is a DNS name that fits
// in 64 bytes, subjectAltName = every name: dNSName, or iPAddress for a literal IP address
// (RFC 8738). Errc::InvalidArgument when names is empty.
Result<std::string> make_csr_der(const PrivateKey& key, const std::vector<std::string>& names);

}  // namespace certkeep::crypto
