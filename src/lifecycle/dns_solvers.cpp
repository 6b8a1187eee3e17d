// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/dns_solvers.hpp"

#include <map>
#include <tuple>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "dns/rfc2136_solver.hpp"
#include "dns/server_address.hpp"
#include "dns/tsig_key.hpp"
#include "lifecycle/dns_hook_solver.hpp"

namespace certkeep::lifecycle {

namespace {

constexpr std::chrono::seconds kMaxTtl{86400};
constexpr std::chrono::seconds kMaxTimeout{3600};

// The store's dns_records rows of one lineage, as a solver's ledger. Called on the flow's
// thread, which owns the store connection.
class StoreLedger final : public dns::RecordLedger {
 public:
  StoreLedger(Services& services, std::string lineage, const store::DnsSettings& dns)
      : services_(services), lineage_(std::move(lineage)), dns_(dns) {}

  Result<void> adding(const std::vector<dns::LedgerRecord>& records) override {
    std::vector<store::DnsRecordRow> rows;
    for (const dns::LedgerRecord& record : records) {
      store::DnsRecordRow row;
      row.lineage = lineage_;
      row.method = dns_.method;
      row.server = dns_.server;
      row.tsig_key_file = dns_.tsig_key_file;
      row.hook = dns_.hook;
      row.zone = record.zone;
      row.name = record.name;
      row.value = record.value;
      row.added_at = services_.clock.now();
      rows.push_back(std::move(row));
    }
    return services_.store.add_dns_records(rows);
  }

  void removed(const std::vector<dns::LedgerRecord>& records) noexcept override {
    std::vector<store::DnsRecordKey> keys;
    for (const dns::LedgerRecord& record : records) keys.push_back({record.name, record.value});
    if (auto forgotten = services_.store.remove_dns_records(lineage_, keys); !forgotten)
      core::log::warn(lineage_ + ": forget removed DNS records: " + forgotten.error().to_string());
  }

 private:
  Services& services_;
  const std::string lineage_;
  const store::DnsSettings dns_;
};

struct DnsSolver {
  std::shared_ptr<Solver> solver;
  dns::RecordRemover* remover = nullptr;  // the same object
};

template <typename Made>
DnsSolver as_dns_solver(std::shared_ptr<Made> made) {
  dns::RecordRemover* remover = made.get();
  return DnsSolver{std::move(made), remover};
}

Result<DnsSolver> make_solver_for(Services& services, const std::string& lineage, const store::DnsSettings& dns) {
  auto ledger = std::make_shared<StoreLedger>(services, lineage, dns);
  switch (dns.method) {
    case store::DnsMethod::Rfc2136: {
      dns::Rfc2136Options options;
      options.server = CERTKEEP_TRY(dns::parse_server_address(dns.server, "--dns-rfc2136"));
      options.key = CERTKEEP_TRY(dns::read_tsig_key_file(dns.tsig_key_file));
      options.ttl = dns.ttl;
      options.propagation_timeout = dns.propagation_timeout;
      options.ledger = std::move(ledger);
      options.clock = &services.clock;
      return as_dns_solver(std::make_shared<dns::Rfc2136Solver>(std::move(options)));
    }
    case store::DnsMethod::Hook: {
      DnsHookOptions options;
      options.command = dns.hook;
      options.lineage = lineage;
      options.timeout = dns.hook_timeout;
      options.ttl = dns.ttl;
      if (!dns.resolver.empty())
        options.resolver = CERTKEEP_TRY(dns::parse_server_address(dns.resolver, "--dns-resolver"));
      options.propagation_timeout = dns.propagation_timeout;
      options.ledger = std::move(ledger);
      options.clock = &services.clock;
      options.on_run = [&services, lineage](const DnsHookRun& run) {
        const std::string detail = run.action + " " + run.record + ": " + run.outcome.describe() + " (" +
                                   std::to_string(run.outcome.elapsed.count()) + " ms)" +
                                   (run.outcome.output_tail.empty() ? "" : "; output: " + run.outcome.output_tail);
        auto recorded = services.store.append_event(store::EventRecord{
            .lineage = lineage,
            .kind = run.outcome.succeeded ? store::HistoryKind::DnsHookSucceeded : store::HistoryKind::DnsHookFailed,
            .detail = detail,
            .at = services.clock.now()});
        if (!recorded) core::log::warn(lineage + ": record DNS hook run: " + recorded.error().to_string());
      };
      return as_dns_solver(std::make_shared<DnsHookSolver>(services.processes, std::move(options)));
    }
    case store::DnsMethod::None: break;
  }
  return fail(Errc::InvalidArgument, lineage + ": no DNS-01 method configured");
}

}  // namespace

Result<void> check_dns_settings(const store::DnsSettings& dns) {
  switch (dns.method) {
    case store::DnsMethod::None: return {};
    case store::DnsMethod::Rfc2136:
      CERTKEEP_TRY(dns::parse_server_address(dns.server, "--dns-rfc2136"));
      if (dns.tsig_key_file.empty())
        return fail(Errc::InvalidArgument, "--dns-rfc2136 needs --tsig-key FILE (the TSIG key, as tsig-keygen prints it)");
      CERTKEEP_TRY(dns::read_tsig_key_file(dns.tsig_key_file));
      break;
    case store::DnsMethod::Hook:
      if (dns.hook.empty()) return fail(Errc::InvalidArgument, "--dns-hook: empty command");
      if (!dns.resolver.empty()) CERTKEEP_TRY(dns::parse_server_address(dns.resolver, "--dns-resolver"));
      if (dns.hook_timeout.count() < 1 || dns.hook_timeout > kMaxTimeout)
        return fail(Errc::InvalidArgument, "--dns-hook-timeout must be 1 to 3600 seconds");
      break;
  }
  if (dns.ttl.count() < 1 || dns.ttl > kMaxTtl) return fail(Errc::InvalidArgument, "--dns-ttl must be 1 to 86400 seconds");
  if (dns.propagation_timeout.count() < 0 || dns.propagation_timeout > kMaxTimeout)
    return fail(Errc::InvalidArgument, "--dns-propagation-timeout must be 0 to 3600 seconds");
  return {};
}

Result<store::DnsSettings> dns_settings_from(const Dns01Options& options) {
  store::DnsSettings dns;
  const bool rfc2136 = !options.rfc2136_server.empty();
  const bool hook = !options.hook.empty();
  if (rfc2136 == hook)
    return fail(Errc::InvalidArgument, "dns01: set exactly one of rfc2136_server (with tsig_key_file) and hook");
  dns.method = rfc2136 ? store::DnsMethod::Rfc2136 : store::DnsMethod::Hook;
  dns.server = options.rfc2136_server;
  if (rfc2136) {
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(options.tsig_key_file, ec);
    dns.tsig_key_file = ec ? options.tsig_key_file.string() : absolute.string();
  }
  dns.hook = options.hook;
  dns.hook_timeout = options.hook_timeout;
  dns.ttl = options.ttl;
  dns.propagation_timeout = options.propagation_timeout;
  dns.resolver = options.resolver;
  CERTKEEP_TRY(check_dns_settings(dns));
  return dns;
}

Result<std::shared_ptr<Solver>> make_dns_solver(Services& services, const store::LineageRecord& lineage) {
  return CERTKEEP_TRY(make_solver_for(services, lineage.name, lineage.settings.dns)).solver;
}

Result<void> repair_dns_records(Services& services, const std::string& lineage) {
  const std::vector<store::DnsRecordRow> rows = CERTKEEP_TRY(services.store.dns_records(lineage));
  if (rows.empty()) return {};
  // The records of one method, server, key and zone (or hook) go in one request.
  using Group = std::tuple<store::DnsMethod, std::string, std::string, std::string, std::string>;
  std::map<Group, std::vector<dns::LedgerRecord>> groups;
  for (const store::DnsRecordRow& row : rows)
    groups[{row.method, row.server, row.tsig_key_file, row.hook, row.zone}].push_back({row.zone, row.name, row.value});
  std::optional<Error> first_error;
  for (const auto& [group, records] : groups) {
    store::DnsSettings dns;
    std::tie(dns.method, dns.server, dns.tsig_key_file, dns.hook, std::ignore) = group;
    dns.propagation_timeout = std::chrono::seconds(0);
    auto solver = make_solver_for(services, lineage, dns);
    Result<void> removed = solver ? solver->remover->remove(std::get<4>(group), records)
                                  : Result<void>(fail(std::move(solver).error()));
    if (removed) {
      core::log::info(lineage + ": removed " + std::to_string(records.size()) +
                      " DNS-01 record(s) a previous run left");
      (void)services.store.append_event(store::EventRecord{.lineage = lineage,
                                                           .kind = store::HistoryKind::DnsRecordsRemoved,
                                                           .detail = std::to_string(records.size()) +
                                                                     " record(s) a previous run left",
                                                           .at = services.clock.now()});
    } else {
      core::log::warn(lineage + ": DNS-01 records a previous run left: " + removed.error().to_string());
      if (!first_error) first_error = removed.error();
    }
  }
  if (first_error) return fail(std::move(*first_error));
  return {};
}

}  // namespace certkeep::lifecycle
