// SPDX-License-Identifier: Apache-2.0
// CurlTransport: libcurl behind http::Transport (libcurl is included in the .cpp only).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "http/transport.hpp"

namespace certkeep::http {

struct CurlOptions {
  // Extra trust root(s) in PEM, *added* to the system roots (e.g. Pebble's HTTPS CA).
  // Default: none, system roots only.
  std::filesystem::path ca_bundle;
  std::chrono::seconds connect_timeout{10};
  // Whole-request limit. Default 30 s.
  std::chrono::seconds request_timeout{30};
  // A transfer moving less than one byte per second for this long is aborted (Errc::Timeout).
  std::chrono::seconds stall_timeout{15};
  std::string user_agent = "certkeep/0.1";
};

// One reused easy handle: keep-alive (one TLS connection for a whole flow), TLS ≥ 1.2, peer and
// host always verified, https only, redirects never followed, the body cap enforced while
// receiving. Errc::InvalidArgument when ca_bundle cannot be read or holds no certificate.
Result<std::unique_ptr<Transport>> make_curl_transport(CurlOptions options);

}  // namespace certkeep::http
