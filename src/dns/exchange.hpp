// SPDX-License-Identifier: Apache-2.0
// One DNS request and its reply over UDP or TCP (RFC 1035 §4.2), with a deadline, a stop token
// and errors that name the server. Only bytes: messages are built and parsed by ldns (wire.hpp).
#pragma once

#include <chrono>
#include <stop_token>
#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "dns/server_address.hpp"

namespace certkeep::dns {

enum class Protocol { Udp, Tcp };

struct ExchangeOptions {
  // Per attempt: a UDP query is sent up to `udp_attempts` times, a TCP request once.
  std::chrono::milliseconds timeout{3000};
  int udp_attempts = 3;
  std::stop_token stop;
};

// Sends `request` (a DNS message whose first two bytes are its ID) to each address of `server`
// in turn until one answers, and returns the reply that carries the same ID. Errc::Network
// naming the server ("connection refused", a resolution failure), Errc::Timeout naming the
// server and how long it was waited for, Errc::Cancelled when `stop` is requested.
Result<std::string> exchange(const ServerAddress& server, std::string_view request, Protocol protocol,
                             const ExchangeOptions& options);

}  // namespace certkeep::dns
