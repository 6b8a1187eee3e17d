// SPDX-License-Identifier: Apache-2.0
// A lineage's DNS-01 solver (RFC 2136 or a hook, from its stored settings), the store as the
// solvers' RecordLedger, and the repair of records a killed run left: each record is noted in
// the store (dns_records) before it is added and removed from it once it is gone, so the next
// `issue`, `renew` or daemon pass deletes exactly those, with the method and settings they were
// added with.
#pragma once

#include <memory>
#include <string>

#include "certkeep/result.hpp"
#include "certkeep/solver.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// Errc::InvalidArgument, naming the flag, for DNS settings that cannot work: an RFC 2136
// server that does not parse, a key file that is missing, unreadable, readable by others or
// malformed, an empty hook, a TTL outside 1 s..1 day, a timeout outside 0..1 h. Reads the key
// file: call it before anything is stored.
Result<void> check_dns_settings(const store::DnsSettings& dns);

// The library's Dns01Options as a lineage's stored DNS settings. Errc::InvalidArgument unless
// exactly one of rfc2136_server and hook is set, or for what check_dns_settings refuses.
Result<store::DnsSettings> dns_settings_from(const Dns01Options& options);

// The lineage's DNS-01 solver: Rfc2136Solver or DnsHookSolver, its records noted in the store
// and its hook runs recorded as the lineage's events. Errc::InvalidArgument when the lineage
// has no DNS method or its settings do not check.
Result<std::shared_ptr<Solver>> make_dns_solver(Services& services, const store::LineageRecord& lineage);

// Removes the DNS records a previous run of `lineage` left (noted in the store), each with the
// method it was added with, and forgets them; nothing when there are none. A record that cannot
// be removed now stays noted (the error is logged and returned) for the next run.
Result<void> repair_dns_records(Services& services, const std::string& lineage);

}  // namespace certkeep::lifecycle
