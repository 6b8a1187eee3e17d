// SPDX-License-Identifier: Apache-2.0
// Asking one DNS server: a query (UDP, TCP when truncated) and an RFC 2136 update (TCP, signed
// with TSIG, the reply's TSIG verified). Every refusal is an error that names the server, the
// zone, the key and the server's response code.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "dns/exchange.hpp"
#include "dns/server_address.hpp"
#include "dns/tsig_key.hpp"
#include "dns/wire.hpp"

namespace certkeep::dns {

// The reply of `server` to a query for `name`/`type`, whatever its rcode. Errors of exchange().
Result<Reply> query(const ServerAddress& server, std::string_view name, RecordType type,
                    const ExchangeOptions& options, Recursion recursion = Recursion::No);

// Sends an update of `zone` (make_update) to `server`. Succeeds only when the server answers
// NOERROR with a TSIG that verifies with `key`. Errc::Dns, naming the server, the zone and the
// key, for a refusal: BADKEY (the server does not know the key), BADSIG (it did not accept the
// signature: the server answers unsigned, or with TSIG error BADSIG), BADTIME (clocks apart),
// REFUSED (its policy denies this key these records), NOTAUTH (not authoritative for the
// zone), NOTZONE, an unsigned or wrongly signed NOERROR; Errc::Network for SERVFAIL and
// connection failures; Errc::Timeout when it does not answer. Only Network and Timeout leave
// it unknown whether the server applied the update.
Result<void> send_update(const ServerAddress& server, std::string_view zone, const std::vector<TxtChange>& adds,
                         const std::vector<TxtChange>& deletes, std::chrono::seconds ttl, const TsigKey& key,
                         const ExchangeOptions& options);

}  // namespace certkeep::dns
