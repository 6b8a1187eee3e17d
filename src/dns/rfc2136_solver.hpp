// SPDX-License-Identifier: Apache-2.0
// Rfc2136Solver: DNS-01 (RFC 8555 §8.4) through RFC 2136 dynamic updates signed with TSIG.
// For a batch it finds each name's zone (SOA lookup on the update server), sends one UPDATE per
// zone adding the `_acme-challenge` TXT records, waits until every authoritative server of each
// zone answers them, and at cleanup deletes exactly the records it added (by value, never the
// whole RRset). Records are noted in a RecordLedger before they are added and crossed out once
// they are gone.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "certkeep/solver.hpp"
#include "core/clock.hpp"
#include "dns/exchange.hpp"
#include "dns/record_ledger.hpp"
#include "dns/server_address.hpp"
#include "dns/tsig_key.hpp"

namespace certkeep::dns {

struct Rfc2136Options {
  ServerAddress server;  // the zones' primary: updates go there, lookups too
  TsigKey key;
  std::chrono::seconds ttl{60};
  // 0: do not wait for the authoritative servers (the CA is told at once).
  std::chrono::seconds propagation_timeout{120};
  std::chrono::milliseconds query_timeout{3000};  // per DNS request
  std::shared_ptr<RecordLedger> ledger;           // may be null
  core::Clock* clock = nullptr;                   // Default: the system clock
};

// Thread-safe.
class Rfc2136Solver final : public Solver, public RecordRemover {
 public:
  explicit Rfc2136Solver(Rfc2136Options options);
  using Solver::cleanup;
  using Solver::present;

  ChallengeType type() const noexcept override { return ChallengeType::Dns01; }
  // Finds each name's zone and sends each zone a signed update that deletes a record that does
  // not exist (a no-op the server still checks the key and the update policy of), so a wrong
  // key, a zone the server does not serve or a refusing policy fail before any order exists.
  Result<void> check(const std::vector<std::string>& names) override;
  // One UPDATE per zone. Errc::Dns / Errc::Network / Errc::Timeout from the server (see
  // send_update()); Errc::InvalidArgument for a challenge that is not DNS-01.
  Result<void> present(std::span<const Challenge> challenges) override;
  // Waits for every authoritative server of every zone of the batch (propagation.hpp).
  Result<void> wait_until_ready(std::span<const Challenge> challenges, std::stop_token stop) override;
  // One UPDATE per zone deleting the batch's records; failures are logged (the ledger keeps
  // the records for the next run).
  void cleanup(std::span<const Challenge> challenges) noexcept override;

  // Deletes `records` of `zone` (a previous run's leftovers, from the ledger).
  Result<void> remove(const std::string& zone, const std::vector<LedgerRecord>& records) override;

 private:
  Result<std::string> zone_of(const std::string& identifier);
  ExchangeOptions exchange_options(std::stop_token stop = {}) const;

  const Rfc2136Options options_;
  core::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, std::string> zones_;  // identifier → zone, found once
  // "name value" of the records this solver added, or may have added (no answer): cleanup
  // deletes these and nothing it knows the server refused.
  std::set<std::string> added_;
};

}  // namespace certkeep::dns
