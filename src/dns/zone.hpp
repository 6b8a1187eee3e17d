// SPDX-License-Identifier: Apache-2.0
// Zone discovery: which zone holds a name, asked of an authoritative server by SOA lookups
// (the SOA of an authoritative answer names the zone).
#pragma once

#include <string>
#include <string_view>

#include "certkeep/result.hpp"
#include "dns/exchange.hpp"
#include "dns/server_address.hpp"
#include "dns/wire.hpp"

namespace certkeep::dns {

// The zone (lowercase, no final dot) that contains `name`: the first of name, its parent, …
// whose SOA query gets a NOERROR or NXDOMAIN answer with an SOA record — from an authoritative
// `server` (Recursion::No: the answer must be authoritative), or through a recursive resolver
// (Recursion::Desired). Errc::Dns naming the server and each answer when none does (e.g.
// "a.example.com: REFUSED"); the errors of exchange().
Result<std::string> find_zone(const ServerAddress& server, std::string_view name, const ExchangeOptions& options,
                              Recursion recursion = Recursion::No);

// "b.example.com" for "a.b.example.com"; "" for a single label.
std::string_view parent_name(std::string_view name) noexcept;

// True when `name` is `zone` or below it.
bool is_in_zone(std::string_view name, std::string_view zone) noexcept;

}  // namespace certkeep::dns
