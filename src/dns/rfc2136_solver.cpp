// SPDX-License-Identifier: Apache-2.0
#include "dns/rfc2136_solver.hpp"

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "dns/client.hpp"
#include "dns/propagation.hpp"
#include "dns/zone.hpp"

namespace certkeep::dns {

namespace {

// A value no ACME TXT record holds (those are 43 base64url characters): deleting it changes
// nothing, yet the server checks the key and its update policy for the name.
constexpr std::string_view kCheckValue = "certkeep-check-no-such-record";

std::string identifier_of(const std::string& ordered_name) {
  return ordered_name.starts_with("*.") ? ordered_name.substr(2) : ordered_name;
}

std::string key_of(const std::string& name, const std::string& value) { return name + " " + value; }

std::vector<TxtChange> changes_of(const std::vector<LedgerRecord>& records) {
  std::vector<TxtChange> changes;
  for (const LedgerRecord& record : records) changes.push_back({record.name, record.value});
  return changes;
}

}  // namespace

Rfc2136Solver::Rfc2136Solver(Rfc2136Options options)
    : options_(std::move(options)), clock_(options_.clock != nullptr ? *options_.clock : core::system_clock()) {}

ExchangeOptions Rfc2136Solver::exchange_options(std::stop_token stop) const {
  ExchangeOptions exchange;
  exchange.timeout = options_.query_timeout;
  exchange.stop = std::move(stop);
  return exchange;
}

Result<std::string> Rfc2136Solver::zone_of(const std::string& identifier) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = zones_.find(identifier); it != zones_.end()) return it->second;
  }
  std::string zone = CERTKEEP_TRY(find_zone(options_.server, "_acme-challenge." + identifier, exchange_options()));
  std::lock_guard lock(mutex_);
  zones_.insert_or_assign(identifier, zone);
  return zone;
}

Result<void> Rfc2136Solver::check(const std::vector<std::string>& names) {
  std::map<std::string, std::vector<TxtChange>> probes;
  for (const std::string& name : names) {
    const std::string identifier = identifier_of(name);
    const std::string zone = CERTKEEP_TRY(zone_of(identifier));
    probes[zone].push_back({"_acme-challenge." + identifier, std::string(kCheckValue)});
  }
  for (const auto& [zone, deletes] : probes)
    CERTKEEP_TRY(send_update(options_.server, zone, {}, deletes, options_.ttl, options_.key, exchange_options()));
  return {};
}

Result<void> Rfc2136Solver::present(std::span<const Challenge> challenges) {
  std::map<std::string, std::vector<LedgerRecord>> by_zone;
  for (const Challenge& challenge : challenges) {
    if (challenge.type != ChallengeType::Dns01 || challenge.dns_txt_value.empty())
      return fail(Errc::InvalidArgument, "the RFC 2136 solver answers dns-01 challenges only");
    const std::string zone = CERTKEEP_TRY(zone_of(challenge.identifier));
    by_zone[zone].push_back({zone, challenge.dns_record_name(), challenge.dns_txt_value});
  }
  for (const auto& [zone, records] : by_zone) {
    if (options_.ledger) CERTKEEP_TRY(options_.ledger->adding(records));
    auto sent = send_update(options_.server, zone, changes_of(records), {}, options_.ttl, options_.key,
                            exchange_options());
    // A refusal means nothing was added; a lost answer (or SERVFAIL) leaves it open, so cleanup
    // and, failing that, the ledger's next run delete them.
    const Errc code = sent ? Errc::Internal : sent.error().code();
    const bool maybe_added = sent || code == Errc::Network || code == Errc::Timeout || code == Errc::Cancelled;
    if (maybe_added) {
      std::lock_guard lock(mutex_);
      for (const LedgerRecord& record : records) added_.insert(key_of(record.name, record.value));
    }
    if (!sent) {
      if (!maybe_added && options_.ledger) options_.ledger->removed(records);
      return fail(std::move(sent).error().with_context("DNS-01: add " + std::to_string(records.size()) +
                                                       " TXT record(s) to zone " + zone));
    }
    core::log::info("DNS-01: added " + std::to_string(records.size()) + " TXT record(s) to zone " + zone + " on " +
                    options_.server.to_string());
  }
  return {};
}

Result<void> Rfc2136Solver::wait_until_ready(std::span<const Challenge> challenges, std::stop_token stop) {
  if (options_.propagation_timeout.count() == 0) return {};
  std::map<std::string, std::vector<ExpectedTxt>> by_zone;
  for (const Challenge& challenge : challenges)
    by_zone[CERTKEEP_TRY(zone_of(challenge.identifier))].push_back(
        {challenge.dns_record_name(), challenge.dns_txt_value});
  PropagationOptions propagation;
  propagation.timeout = options_.propagation_timeout;
  propagation.exchange = exchange_options(stop);
  for (const auto& [zone, records] : by_zone) {
    const std::vector<AuthoritativeServer> servers = CERTKEEP_TRY(
        authoritative_servers(options_.server, zone, options_.server.port, propagation.exchange));
    CERTKEEP_TRY(wait_until_visible(servers, records, propagation, clock_));
    core::log::info("DNS-01: zone " + zone + ": every authoritative server (" + std::to_string(servers.size()) +
                    ") answers the new record(s)");
  }
  return {};
}

void Rfc2136Solver::cleanup(std::span<const Challenge> challenges) noexcept {
  std::map<std::string, std::vector<LedgerRecord>> by_zone;
  for (const Challenge& challenge : challenges) {
    std::string zone;
    {
      std::lock_guard lock(mutex_);
      auto it = zones_.find(challenge.identifier);
      // Never presented, or refused by the server: nothing of ours is there.
      if (it == zones_.end() || added_.count(key_of(challenge.dns_record_name(), challenge.dns_txt_value)) == 0)
        continue;
      zone = it->second;
    }
    by_zone[zone].push_back({zone, challenge.dns_record_name(), challenge.dns_txt_value});
  }
  for (const auto& [zone, records] : by_zone) {
    if (auto removed = remove(zone, records); !removed)
      core::log::warn("DNS-01: cleanup: " + removed.error().to_string() + " (the next run removes them)");
  }
}

Result<void> Rfc2136Solver::remove(const std::string& zone, const std::vector<LedgerRecord>& records) {
  auto sent = send_update(options_.server, zone, {}, changes_of(records), options_.ttl, options_.key,
                          exchange_options());
  if (!sent)
    return fail(std::move(sent).error().with_context("remove " + std::to_string(records.size()) +
                                                     " TXT record(s) from zone " + zone));
  if (options_.ledger) options_.ledger->removed(records);
  {
    std::lock_guard lock(mutex_);
    for (const LedgerRecord& record : records) added_.erase(key_of(record.name, record.value));
  }
  core::log::info("DNS-01: removed " + std::to_string(records.size()) + " TXT record(s) from zone " + zone);
  return {};
}

}  // namespace certkeep::dns
