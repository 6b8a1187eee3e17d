// SPDX-License-Identifier: Apache-2.0
// A Client on a fixed directory for the ACME fuzz targets, so parsers that check URLs
// against the CA's origin (Client::check_url) run as they do in a real flow. The transport
// and clock are inert: parsers never send.
#pragma once

#include <memory>

#include "acme/client.hpp"

namespace certkeep::fuzz {

inline constexpr std::string_view kDirectoryUrl = "https://ca.example:14000/dir";

class InertTransport final : public http::Transport {
 public:
  Result<http::Response> send(const http::Request&) override {
    return fail(Errc::Network, "fuzz: no network");
  }
  http::TransportStats stats() const override { return {}; }
};

class FixedClock final : public core::Clock {
 public:
  core::SystemTime now() const override { return core::from_unix(1'750'000'000); }
  bool sleep_for(std::chrono::milliseconds, std::stop_token) override { return true; }
};

inline acme::Directory fixed_directory() {
  acme::Directory directory;
  directory.new_nonce = "https://ca.example:14000/nonce-plz";
  directory.new_account = "https://ca.example:14000/sign-me-up";
  directory.new_order = "https://ca.example:14000/order-plz";
  directory.revoke_cert = "https://ca.example:14000/revoke-cert";
  directory.renewal_info = "https://ca.example:14000/draft-ietf-acme-ari-03/renewalInfo";
  return directory;
}

// One per process: constructing a Client is cheap, but there is no reason to repeat it.
inline const acme::Client& inert_client() {
  static InertTransport transport;
  static FixedClock clock;
  static acme::Client client(transport, std::string(kDirectoryUrl), fixed_directory(), clock);
  return client;
}

}  // namespace certkeep::fuzz
