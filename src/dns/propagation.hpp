// SPDX-License-Identifier: Apache-2.0
// DNS-01 propagation: the zone's authoritative servers (its NS records and their addresses),
// each asked directly until it answers every new TXT record, polling with backoff up to a
// deadline. certbot and lego sleep a fixed time instead (and lego only ever asks port 53).
#pragma once

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "core/clock.hpp"
#include "dns/exchange.hpp"
#include "dns/server_address.hpp"
#include "dns/wire.hpp"

namespace certkeep::dns {

struct AuthoritativeServer {
  std::string name;       // the NS target ("ns1.example.com"), or the address when unnamed
  ServerAddress address;  // numeric, on the port the servers are asked on
  std::string to_string() const;  // "ns2.example.com (127.0.0.2:5300)"
};

// The servers named by `zone`'s NS records, asked of `lookup` (an authoritative server, or a
// resolver with Recursion::Desired), each address (glue, or A and AAAA asked of `lookup`) on
// `port`. When the zone has no NS records, `lookup` itself. Errc::Dns naming an NS target
// without an address; the errors of query().
Result<std::vector<AuthoritativeServer>> authoritative_servers(const ServerAddress& lookup, std::string_view zone,
                                                               std::uint16_t port, const ExchangeOptions& options,
                                                               Recursion recursion = Recursion::No);

struct ExpectedTxt {
  std::string name;
  std::string value;
};

struct PropagationOptions {
  std::chrono::seconds timeout{120};
  std::chrono::milliseconds first_poll{250};
  std::chrono::milliseconds max_poll{std::chrono::seconds(5)};
  ExchangeOptions exchange;  // per query; its stop token also ends the wait
};

// Returns once every server answers every record (among the TXT values of its name).
// Errc::Timeout naming each server still missing a record, the record, and that server's last
// answer ("NOERROR without the value", "REFUSED", "did not answer"), once `timeout` passed;
// Errc::Cancelled when the stop token is requested.
Result<void> wait_until_visible(const std::vector<AuthoritativeServer>& servers,
                                const std::vector<ExpectedTxt>& records, const PropagationOptions& options,
                                core::Clock& clock);

}  // namespace certkeep::dns
