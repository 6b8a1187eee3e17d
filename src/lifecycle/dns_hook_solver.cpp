// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/dns_hook_solver.hpp"

#include <map>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "dns/propagation.hpp"
#include "dns/zone.hpp"

namespace certkeep::lifecycle {

namespace {

constexpr const char* kArgv0 = "certkeep-dns-hook";

std::string domain_of_record(const std::string& record) {
  constexpr std::string_view prefix = "_acme-challenge.";
  return record.starts_with(prefix) ? record.substr(prefix.size()) : record;
}

}  // namespace

std::map<std::string, std::string> dns_hook_environment(const std::string& action, const std::string& lineage,
                                                        const std::string& domain, const std::string& record,
                                                        const std::string& value, std::chrono::seconds ttl) {
  return {
      {"CERTKEEP_DNS_ACTION", action}, {"CERTKEEP_DNS_DOMAIN", domain},
      {"CERTKEEP_DNS_RECORD", record}, {"CERTKEEP_DNS_FQDN", record + "."},
      {"CERTKEEP_DNS_VALUE", value},   {"CERTKEEP_DNS_TTL", std::to_string(ttl.count())},
      {"CERTKEEP_NAME", lineage},
  };
}

DnsHookSolver::DnsHookSolver(deploy::ProcessRunner& runner, DnsHookOptions options)
    : runner_(runner),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : core::system_clock()) {}

Result<deploy::HookOutcome> DnsHookSolver::run(const std::string& action, const std::string& domain,
                                               const std::string& record, const std::string& value) {
  deploy::ProcessSpec spec;
  // The command text goes to the shell alone; the action is $1 and everything else is in the
  // environment, so nothing from the CA is ever parsed as shell text.
  spec.argv = {"/bin/sh", "-c", options_.command, kArgv0, action};
  spec.env = dns_hook_environment(action, options_.lineage, domain, record, value, options_.ttl);
  spec.timeout = options_.timeout;
  auto ran = runner_.run(spec);
  if (!ran) return fail(std::move(ran).error().with_context("DNS hook " + action + " " + record));
  deploy::HookOutcome outcome;
  outcome.exit_code = ran->exit_code;
  outcome.timed_out = ran->timed_out;
  outcome.signal = ran->signal;
  outcome.output_tail = std::move(ran->output_tail);
  outcome.elapsed = ran->elapsed;
  outcome.timeout = options_.timeout;
  outcome.succeeded = !ran->timed_out && ran->signal == 0 && ran->exit_code == 0;
  if (options_.on_run) options_.on_run(DnsHookRun{action, record, outcome});
  return outcome;
}

Result<void> DnsHookSolver::present(std::span<const Challenge> challenges) {
  for (const Challenge& challenge : challenges) {
    if (challenge.type != ChallengeType::Dns01 || challenge.dns_txt_value.empty())
      return fail(Errc::InvalidArgument, "the DNS hook answers dns-01 challenges only");
    const std::string record = challenge.dns_record_name();
    if (options_.ledger) CERTKEEP_TRY(options_.ledger->adding({{"", record, challenge.dns_txt_value}}));
    const deploy::HookOutcome outcome =
        CERTKEEP_TRY(run("present", challenge.identifier, record, challenge.dns_txt_value));
    if (!outcome.succeeded)
      return fail(Errc::Hook, "DNS hook present " + record + ": " + outcome.describe() +
                                  (outcome.output_tail.empty() ? "" : "; output: " + outcome.output_tail));
    core::log::info("DNS-01: hook presented " + record + " (" + std::to_string(outcome.elapsed.count()) + " ms)");
  }
  return {};
}

Result<void> DnsHookSolver::wait_until_ready(std::span<const Challenge> challenges, std::stop_token stop) {
  if (options_.propagation_timeout.count() == 0) return {};
  const dns::ServerAddress resolver = options_.resolver ? *options_.resolver : CERTKEEP_TRY(dns::system_resolver());
  dns::PropagationOptions propagation;
  propagation.timeout = options_.propagation_timeout;
  propagation.exchange.timeout = options_.query_timeout;
  propagation.exchange.stop = stop;
  std::map<std::string, std::vector<dns::ExpectedTxt>> by_zone;
  for (const Challenge& challenge : challenges) {
    const std::string zone = CERTKEEP_TRY(
        dns::find_zone(resolver, challenge.dns_record_name(), propagation.exchange, dns::Recursion::Desired));
    by_zone[zone].push_back({challenge.dns_record_name(), challenge.dns_txt_value});
  }
  for (const auto& [zone, records] : by_zone) {
    const auto servers = CERTKEEP_TRY(
        dns::authoritative_servers(resolver, zone, resolver.port, propagation.exchange, dns::Recursion::Desired));
    CERTKEEP_TRY(dns::wait_until_visible(servers, records, propagation, clock_));
  }
  return {};
}

void DnsHookSolver::cleanup(std::span<const Challenge> challenges) noexcept {
  for (const Challenge& challenge : challenges) {
    auto removed = remove({"", challenge.dns_record_name(), challenge.dns_txt_value});
    if (!removed) core::log::warn("DNS-01: " + removed.error().to_string() + " (the next run tries again)");
  }
}

Result<void> DnsHookSolver::remove(const std::string&, const std::vector<dns::LedgerRecord>& records) {
  Result<void> outcome;
  for (const dns::LedgerRecord& record : records)
    if (auto removed = remove(record); !removed && outcome) outcome = fail(std::move(removed).error());
  return outcome;
}

Result<void> DnsHookSolver::remove(const dns::LedgerRecord& record) {
  const deploy::HookOutcome outcome = CERTKEEP_TRY(run("cleanup", domain_of_record(record.name), record.name, record.value));
  if (!outcome.succeeded)
    return fail(Errc::Hook, "DNS hook cleanup " + record.name + ": " + outcome.describe() +
                                (outcome.output_tail.empty() ? "" : "; output: " + outcome.output_tail));
  if (options_.ledger) options_.ledger->removed({record});
  return {};
}

}  // namespace certkeep::lifecycle
