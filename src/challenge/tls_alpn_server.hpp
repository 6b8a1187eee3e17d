// SPDX-License-Identifier: Apache-2.0
// The TLS side of the standalone TLS-ALPN-01 responder (RFC 8737): on a PollServer, drives each
// connection's non-blocking TLS handshake. A ClientHello that offers exactly ALPN "acme-tls/1" with the SNI name of a pending
// validation gets that name's validation certificate; every other handshake is refused with an
// alert and no certificate. After the handshake the connection is closed (the CA only looks at
// the certificate). Bounded like the HTTP-01 responder: at most `max_connections` open
// connections, a deadline per handshake, a fixed amount of work per readiness event.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "certkeep/result.hpp"
#include "challenge/poll_server.hpp"
#include "challenge/socket_fd.hpp"

namespace certkeep::challenge {

struct TlsServerLimits {
  std::size_t max_connections = 64;
  // From accept to the end of the handshake (and the close_notify after it).
  std::chrono::milliseconds handshake_timeout{10'000};
};

// A validation certificate and its key, parsed once (opaque outside tls_alpn_server.cpp).
struct ValidationMaterial;
// Errc::Protocol / Errc::Crypto when the PEM does not parse or the key is not the certificate's.
Result<std::shared_ptr<const ValidationMaterial>> load_validation_material(std::string_view cert_pem,
                                                                           std::string_view key_pem);

// The validation for `server_name` (lowercase SNI host name), or nullptr when none is pending.
// Called on the server thread; must be thread-safe and must not block.
using ValidationLookup = std::function<std::shared_ptr<const ValidationMaterial>(std::string_view server_name)>;

// Serves TLS-ALPN-01 validations on `listener` (a listening, non-blocking socket) on a new
// thread. Errc::Crypto when the TLS context cannot be made, Errc::Io when the thread cannot start.
Result<std::unique_ptr<PollServer>> serve_tls_alpn(SocketFd listener, TlsServerLimits limits,
                                                   ValidationLookup lookup);

}  // namespace certkeep::challenge
