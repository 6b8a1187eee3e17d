// SPDX-License-Identifier: Apache-2.0
// What a TLS server really serves: one handshake with a given SNI, and the leaf certificate it
// sent. Deployment confirmation compares its serial with the stored one.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "certkeep/result.hpp"

namespace certkeep::deploy {

struct ServedCertificate {
  std::string serial;  // uppercase hex, as the store keeps it
  std::string subject_cn;
  std::chrono::system_clock::time_point not_after;
};

// Connects to HOST:PORT, makes a TLS handshake offering `server_name` as SNI (none when empty
// or an IP address), and returns the leaf the server sent. The chain is NOT verified: this
// asks which certificate a server serves, not whether to trust it (a stale or self-signed one
// must be reported, not refused). The whole exchange is bounded by `timeout`.
// Errc::Network (refused, reset, no route, name not found), Errc::Timeout (a server that
// accepts and stays silent), Errc::Protocol (no TLS, no certificate sent).
Result<ServedCertificate> fetch_served_certificate(const std::string& host, std::uint16_t port,
                                                   const std::string& server_name,
                                                   std::chrono::milliseconds timeout);

}  // namespace certkeep::deploy
