// SPDX-License-Identifier: Apache-2.0
// CurlTransport: libcurl behind http::Transport (libcurl is included in the .cpp only).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "http/transport.hpp"

namespace certkeep::http {

struct CurlOptions {
  // Called with each new TLS context (an OpenSSL SSL_CTX*, opaque here) after libcurl loaded
  // the base roots into it, e.g. to *add* the --ca-bundle roots (crypto::TrustRoots::add_to).
  // False fails the connection (Errc::Network). Default: none. Called on the transport's
  // thread; it must stay valid as long as the transport.
  std::function<bool(void* ssl_ctx)> configure_tls_context;
  // The base trust roots (a PEM file) used *instead of* the system's; configure_tls_context
  // still adds to them. Default: empty, the system roots libcurl was built with. Tests set it
  // to stand in for the system roots; production leaves it empty.
  std::filesystem::path system_roots;
  // Default 10 s.
  std::chrono::seconds connect_timeout{10};
  // Whole-request limit. Default 30 s.
  std::chrono::seconds request_timeout{30};
  // A transfer moving less than one byte per second for this long is aborted (Errc::Timeout).
  // Default 15 s.
  std::chrono::seconds stall_timeout{15};
  // Default "certkeep/0.1" (RFC 8555 §6.1: ACME clients must send a User-Agent).
  std::string user_agent = "certkeep/0.1";
};

// One reused easy handle: keep-alive (one TLS connection for a whole flow), TLS ≥ 1.2, peer and
// host always verified, https only, redirects never followed (a 3xx is returned as a
// response), the body cap enforced while receiving. Errc::InvalidArgument when system_roots
// cannot be read or holds no PEM certificate, or a timeout is not positive.
// send() errors: Errc::Network (resolve, connect, TLS, reset, send, receive; "(connection
// lost)" when the peer went away mid-answer, HTTP/2 streams included), Errc::Timeout
// (request, connect or stall timeout), Errc::Protocol (body cap, malformed reply),
// Errc::InvalidArgument (not https, unknown method, CR/LF in a header); each message names
// the method and URL (without its query) and libcurl's reason.
// The transport is not thread-safe (one per flow or worker); several may live in one process.
Result<std::unique_ptr<Transport>> make_curl_transport(CurlOptions options);

}  // namespace certkeep::http
