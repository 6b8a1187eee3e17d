// SPDX-License-Identifier: Apache-2.0
#include "dns/propagation.hpp"

#include <algorithm>
#include <map>

#include "core/backoff.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "dns/client.hpp"
#include "dns/wire.hpp"

namespace certkeep::dns {

namespace {

std::uint16_t type_code(RecordType type) { return static_cast<std::uint16_t>(type); }

// The addresses of NS target `name`: glue from the NS answer, else A and AAAA asked of `lookup`.
Result<std::vector<std::string>> addresses_of(const ServerAddress& lookup, const std::string& name,
                                              const Reply& ns_reply, const ExchangeOptions& options,
                                              Recursion recursion) {
  std::vector<std::string> addresses;
  for (const Record& record : ns_reply.additional)
    if (record.owner == name && (record.type == type_code(RecordType::A) || record.type == type_code(RecordType::Aaaa)))
      addresses.push_back(record.data);
  if (!addresses.empty()) return addresses;
  for (RecordType type : {RecordType::A, RecordType::Aaaa}) {
    const Reply reply = CERTKEEP_TRY(query(lookup, name, type, options, recursion));
    for (const Record& record : reply.answer)
      if (record.type == type_code(type)) addresses.push_back(record.data);
  }
  return addresses;
}

struct Check {
  const AuthoritativeServer* server;
  const ExpectedTxt* record;
  std::string last_answer = "not asked yet";
};

// True when `server` now answers `record`'s value; else what it answered.
bool answers(Check& check, const ExchangeOptions& options) {
  auto reply = query(check.server->address, check.record->name, RecordType::Txt, options);
  if (!reply) {
    check.last_answer = reply.error().message();
    return false;
  }
  for (const Record& record : reply->answer)
    if (record.type == type_code(RecordType::Txt) && record.data == check.record->value) return true;
  check.last_answer = rcode_name(reply->rcode) + (reply->rcode == kNoError ? " without the value" : "");
  return false;
}

}  // namespace

std::string AuthoritativeServer::to_string() const {
  return name == address.host ? address.to_string() : name + " (" + address.to_string() + ")";
}

Result<std::vector<AuthoritativeServer>> authoritative_servers(const ServerAddress& lookup, std::string_view zone,
                                                               std::uint16_t port, const ExchangeOptions& options,
                                                               Recursion recursion) {
  const Reply reply = CERTKEEP_TRY(query(lookup, zone, RecordType::Ns, options, recursion));
  std::vector<AuthoritativeServer> servers;
  for (const Record& record : reply.answer) {
    if (record.type != type_code(RecordType::Ns)) continue;
    const std::vector<std::string> addresses =
        CERTKEEP_TRY(addresses_of(lookup, record.data, reply, options, recursion));
    if (addresses.empty())
      return fail(Errc::Dns, "zone " + std::string(zone) + ": DNS server " + lookup.to_string() +
                                 " knows no address of its name server " + record.data +
                                 ", so the record cannot be checked there");
    for (const std::string& address : addresses)
      servers.push_back(AuthoritativeServer{record.data, ServerAddress{address, port}});
  }
  if (servers.empty()) servers.push_back(AuthoritativeServer{lookup.host, ServerAddress{lookup.host, port}});
  return servers;
}

Result<void> wait_until_visible(const std::vector<AuthoritativeServer>& servers,
                                const std::vector<ExpectedTxt>& records, const PropagationOptions& options,
                                core::Clock& clock) {
  std::vector<Check> missing;
  for (const AuthoritativeServer& server : servers)
    for (const ExpectedTxt& record : records) missing.push_back(Check{&server, &record});
  const core::SystemTime deadline = clock.now() + options.timeout;
  core::Backoff backoff(options.first_poll, options.max_poll);
  for (;;) {
    std::erase_if(missing, [&](Check& check) { return answers(check, options.exchange); });
    if (missing.empty()) return {};
    if (options.exchange.stop.stop_requested()) return fail(Errc::Cancelled, "stopped while waiting for DNS");
    const auto interval = backoff.next();
    if (clock.now() + interval > deadline) break;
    core::log::debug("DNS-01: " + std::to_string(missing.size()) + " record(s) not visible yet; again in " +
                     std::to_string(interval.count()) + " ms");
    if (!clock.sleep_for(interval, options.exchange.stop)) return fail(Errc::Cancelled, "stopped while waiting for DNS");
  }
  std::vector<std::string> lines;
  for (const Check& check : missing)
    lines.push_back(check.record->name + " on " + check.server->to_string() + " (last answer: " + check.last_answer +
                    ")");
  return fail(Errc::Timeout, "DNS-01: after " + std::to_string(options.timeout.count()) +
                                 " s, the TXT record was still missing on an authoritative server: " +
                                 core::join(lines, "; "));
}

}  // namespace certkeep::dns
