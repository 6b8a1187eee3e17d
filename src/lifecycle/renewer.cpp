// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/renewer.hpp"

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/time_format.hpp"
#include "lifecycle/deployer.hpp"
#include "lifecycle/dns_solvers.hpp"
#include "lifecycle/fallback.hpp"
#include "lifecycle/issuer.hpp"
#include "lifecycle/lease.hpp"
#include "lifecycle/metrics_report.hpp"
#include "lifecycle/notifier.hpp"
#include "lifecycle/order_flow.hpp"

namespace certkeep::lifecycle {

namespace {

// RFC 9773 §4.3: asks the CA again, at the time it named, whether it moved the renewal window
// (it does so before a mass revocation, for instance), and records the new renewal time and
// the next poll; `lineage` is updated to match. An error is logged and asked again later.
void refresh_renewal_info(Services& services, store::LineageRecord& lineage) {
  const core::SystemTime now = services.clock.now();
  std::optional<core::SystemTime> renew_at;
  core::SystemTime next_check = now + kRenewalInfoRetryAfterError;
  auto client = services.clients->get(services.make_transport, lineage.settings, services.clock);
  if (!client) {
    core::log::warn(lineage.name + ": renewal info: " + client.error().to_string());
  } else if (auto info = renewal_info(**client, lineage.name, lineage.ari_cert_id)) {
    next_check = now + info->retry_after;
    if (lineage.not_before && lineage.not_after)
      renew_at =
          compute_renew_at(lineage.name, *lineage.not_before, *lineage.not_after, window_of(info), now);
    if (renew_at && renew_at != lineage.renew_at)
      core::log::info(lineage.name + ": the CA moved its renewal window; renewal now at " +
                      core::format_rfc3339(*renew_at));
  }
  if (auto saved = services.store.record_renewal_info(lineage.name, lineage.serial, renew_at, next_check);
      !saved) {
    core::log::warn(lineage.name + ": " + saved.error().to_string());
    return;
  }
  if (renew_at) lineage.renew_at = renew_at;
  lineage.ari_check_at = next_check;
}

}  // namespace

std::string_view to_string(RenewOutcome outcome) noexcept {
  switch (outcome) {
    case RenewOutcome::Renewed: return "renewed";
    case RenewOutcome::NotDue: return "not due";
    case RenewOutcome::RenewedElsewhere: return "renewed by another process";
    case RenewOutcome::Busy: return "busy in another process";
    case RenewOutcome::Failed: return "failed";
    case RenewOutcome::DeployFailed: return "deploy failed";
    case RenewOutcome::FencedOut: return "fenced out (another renewer took the lease over)";
  }
  return "failed";
}

RenewResult renew_lineage(Services& services, const std::string& name, const RenewOptions& options) {
  RenewResult result;
  result.lineage = name;
  auto failed = [&](Error error, RenewOutcome outcome = RenewOutcome::Failed) {
    result.outcome = outcome;
    result.error = std::move(error);
    return result;
  };

  Lease lease(services.store, name, lease_owner_id(), services.lease_keeper.get());
  auto settings = services.store.find_lineage(name);
  auto held = lease.acquire(services.clock.now(),
                            lease_ttl(services, settings && *settings ? (*settings)->settings : store::LineageSettings{}));
  if (!held) return failed(std::move(held).error());
  if (!*held) {
    result.outcome = RenewOutcome::Busy;
    return result;
  }
  auto found = services.store.find_lineage(name);
  if (!found) return failed(std::move(found).error());
  if (!*found) return failed(Error(Errc::NotFound, "no lineage named " + name));
  store::LineageRecord lineage = std::move(**found);
  result.serial = lineage.serial;
  // DNS records a killed run left are removed on every pass over the lineage, due or not.
  (void)repair_dns_records(services, name);

  if (!options.expected_serial.empty() && lineage.serial != options.expected_serial) {
    result.outcome = RenewOutcome::RenewedElsewhere;
    return result;
  }
  const bool has_cert = !lineage.serial.empty();
  if (!options.force && !options.dry_run && has_cert && lineage.ari_check_at &&
      *lineage.ari_check_at <= services.clock.now())
    refresh_renewal_info(services, lineage);
  const core::SystemTime now = services.clock.now();
  const bool due = !has_cert || (lineage.renew_at && *lineage.renew_at <= now);
  const bool backing_off = lineage.next_attempt_at && *lineage.next_attempt_at > now;
  if (!options.force && (!due || backing_off)) {
    // Not due, but an earlier deploy or hook may still be owed.
    if (!options.dry_run && has_cert) {
      if (auto deployed = deploy_lineage(services, lineage); !deployed)
        return failed(std::move(deployed).error(), RenewOutcome::DeployFailed);
    }
    result.outcome = RenewOutcome::NotDue;
    return result;
  }
  if (options.dry_run) {
    result.outcome = RenewOutcome::Renewed;
    return result;
  }
  if (services.progress) services.progress("renewing " + name);
  // Renewal never creates an account with new terms: they were agreed at the first issuance.
  auto cert = obtain_with_fallback(
      services, lineage, AccountOptions{.email = lineage.settings.email, .agree_terms_of_service = true});
  if (!cert) {
    if (cert.error().code() == Errc::FencedOut) return failed(std::move(cert).error(), RenewOutcome::FencedOut);
    Error error = record_failed_attempt(services, lineage, std::move(cert).error());
    process_metrics().add(kRenewals, {{"result", "failed"}});
    notify(services, lineage, NotifyEvent::RenewalFailed, error.to_string());
    return failed(std::move(error));
  }
  auto stored = commit_and_deploy(
      services, name, *cert,
      has_cert && !lineage.serves_placeholder() ? store::HistoryKind::Renewed : store::HistoryKind::Issued);
  result.serial = cert->serial;
  if (!stored && stored.error().code() == Errc::FencedOut) {
    core::log::warn(name + ": " + stored.error().to_string());
    return failed(std::move(stored).error(), RenewOutcome::FencedOut);
  }
  process_metrics().add(kRenewals, {{"result", "renewed"}});
  if (!stored) {
    notify(services, lineage, NotifyEvent::RenewalFailed, stored.error().to_string());
    return failed(std::move(stored).error(), RenewOutcome::DeployFailed);
  }
  result.outcome = RenewOutcome::Renewed;
  return result;
}

}  // namespace certkeep::lifecycle
