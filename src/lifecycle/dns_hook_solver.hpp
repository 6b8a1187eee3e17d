// SPDX-License-Identifier: Apache-2.0
// DnsHookSolver: DNS-01 through the user's command (`--dns-hook CMD`), for every DNS provider
// that speaks no RFC 2136. For each challenge it runs
//   /bin/sh -c CMD certkeep-dns-hook present|cleanup
// with the record only in the environment (never spliced into the command text):
//   CERTKEEP_DNS_ACTION  present | cleanup          CERTKEEP_DNS_DOMAIN  example.com
//   CERTKEEP_DNS_RECORD  _acme-challenge.example.com CERTKEEP_DNS_FQDN    the same with a final dot
//   CERTKEEP_DNS_VALUE   the TXT value               CERTKEEP_DNS_TTL     seconds
//   CERTKEEP_NAME        the lineage
// A run that exits 0 succeeded; its exit code, how long it took and its output's tail are
// reported (the lineage's events). Then it waits, like the RFC 2136 solver, until every
// authoritative server of the zone answers the record, found through a resolver.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "certkeep/solver.hpp"
#include "core/clock.hpp"
#include "deploy/hook_runner.hpp"
#include "deploy/process_runner.hpp"
#include "dns/record_ledger.hpp"
#include "dns/server_address.hpp"

namespace certkeep::lifecycle {

struct DnsHookRun {
  std::string action;  // "present" or "cleanup"
  std::string record;  // "_acme-challenge.example.com"
  deploy::HookOutcome outcome;
};

struct DnsHookOptions {
  std::string command;
  std::string lineage;
  std::chrono::seconds timeout{120};
  std::chrono::seconds ttl{60};
  // Where the zone and its name servers are looked up (recursion desired); the servers are
  // asked on its port. nullopt: the system's resolver, port 53.
  std::optional<dns::ServerAddress> resolver;
  std::chrono::seconds propagation_timeout{120};  // 0: trust the hook's exit
  std::chrono::milliseconds query_timeout{3000};
  std::shared_ptr<dns::RecordLedger> ledger;  // may be null
  std::function<void(const DnsHookRun&)> on_run;  // may be empty; called on the flow's thread
  core::Clock* clock = nullptr;
};

// Thread-safe.
class DnsHookSolver final : public Solver, public dns::RecordRemover {
 public:
  DnsHookSolver(deploy::ProcessRunner& runner, DnsHookOptions options);
  using Solver::cleanup;
  using Solver::present;

  ChallengeType type() const noexcept override { return ChallengeType::Dns01; }
  // One `present` run per challenge; Errc::Hook naming the record, the exit (or timeout) and the
  // output's tail when one fails; Errc::Io when the shell cannot start.
  Result<void> present(std::span<const Challenge> challenges) override;
  Result<void> wait_until_ready(std::span<const Challenge> challenges, std::stop_token stop) override;
  // One `cleanup` run per challenge; failures are logged and reported.
  void cleanup(std::span<const Challenge> challenges) noexcept override;

  // Runs `cleanup` for a record a previous run left (from the ledger).
  Result<void> remove(const dns::LedgerRecord& record);
  // Runs `cleanup` for each of `records` (the zone is not used); the first error.
  Result<void> remove(const std::string& zone, const std::vector<dns::LedgerRecord>& records) override;

 private:
  Result<deploy::HookOutcome> run(const std::string& action, const std::string& domain, const std::string& record,
                                  const std::string& value);

  deploy::ProcessRunner& runner_;
  const DnsHookOptions options_;
  core::Clock& clock_;
};

// The variables a DNS hook run gets besides CERTKEEP_NAME (hook_variable_names lists them, so
// none is ever read as an option of a certkeep the hook runs).
inline constexpr std::array<std::string_view, 6> kDnsHookVariables = {
    "CERTKEEP_DNS_ACTION", "CERTKEEP_DNS_DOMAIN", "CERTKEEP_DNS_RECORD",
    "CERTKEEP_DNS_FQDN",   "CERTKEEP_DNS_VALUE",  "CERTKEEP_DNS_TTL"};

// The CERTKEEP_DNS_* environment of one run (exposed for tests).
std::map<std::string, std::string> dns_hook_environment(const std::string& action, const std::string& lineage,
                                                        const std::string& domain, const std::string& record,
                                                        const std::string& value, std::chrono::seconds ttl);

}  // namespace certkeep::lifecycle
